import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GO_INSTALL_COMMAND, locateTemporalCli } from '../../dev-stack/temporal-cli';

describe('locateTemporalCli', () => {
  let dir: string;
  const quiet = () => undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function file(name: string, mode: number): string {
    const target = path.join(dir, name);
    fs.writeFileSync(target, '#!/bin/sh\n');
    fs.chmodSync(target, mode);
    return target;
  }

  it('uses TEMPORAL_CLI_PATH when it is an executable file, ahead of PATH', async () => {
    const configured = file('my-temporal', 0o755);
    const onPath = path.join(dir, 'bin');
    fs.mkdirSync(onPath);
    file('bin/temporal', 0o755);
    await expect(
      locateTemporalCli({ temporalCliPath: configured }, { env: { PATH: onPath }, build: false, log: quiet }),
    ).resolves.toBe(configured);
  });

  it('names TEMPORAL_CLI_PATH when that path is not executable', async () => {
    const notExecutable = file('temporal', 0o644);
    await expect(
      locateTemporalCli({ temporalCliPath: notExecutable }, { env: { PATH: '' }, build: false, log: quiet }),
    ).rejects.toThrow(/TEMPORAL_CLI_PATH is set to ".*temporal", but that is not an executable file/);
  });

  it('names TEMPORAL_CLI_PATH when that path does not exist', async () => {
    await expect(
      locateTemporalCli(
        { temporalCliPath: path.join(dir, 'missing') },
        { env: { PATH: '' }, build: false, log: quiet },
      ),
    ).rejects.toThrow(/TEMPORAL_CLI_PATH/);
  });

  it('finds temporal on PATH when TEMPORAL_CLI_PATH is unset', async () => {
    const onPath = file('temporal', 0o755);
    await expect(
      locateTemporalCli({ temporalCliPath: undefined }, { env: { PATH: dir }, build: false, log: quiet }),
    ).resolves.toBe(onPath);
  });

  /** A stand-in `go` whose GOBIN is <dir>/gobin and whose `install` drops a temporal binary there. */
  function fakeGo(): { path: string; gobin: string } {
    const gobin = path.join(dir, 'gobin');
    fs.mkdirSync(path.join(dir, 'fake-go'));
    const script = [
      '#!/bin/sh',
      `if [ "$1" = env ]; then echo "${gobin}"; echo "${dir}/gopath"; exit 0; fi`,
      `if [ "$1" = install ]; then /bin/mkdir -p "${gobin}" && printf '#!/bin/sh\n' > "${gobin}/temporal" && /bin/chmod +x "${gobin}/temporal"; exit 0; fi`,
      'exit 2',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'fake-go', 'go'), script, { mode: 0o755 });
    return { path: path.join(dir, 'fake-go'), gobin };
  }

  it('says how to install it when it is nowhere and building is off', async () => {
    const go = fakeGo();
    const error = await locateTemporalCli(
      { temporalCliPath: undefined },
      { env: { PATH: go.path }, build: false, log: quiet },
    ).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(GO_INSTALL_COMMAND);
    expect((error as Error).message).toContain('TEMPORAL_CLI_PATH');
  });

  it('builds it with go install into GOBIN, saying so first', async () => {
    const go = fakeGo();
    const lines: string[] = [];
    const found = await locateTemporalCli(
      { temporalCliPath: undefined },
      { env: { PATH: go.path }, log: (line) => lines.push(line) },
    );
    expect(found).toBe(path.join(go.gobin, 'temporal'));
    expect(lines[0]).toBe('Building the Temporal CLI v1.5.1 with go install (first run only, a few minutes)…');
  });
});
