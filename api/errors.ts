export type ApiErrorStatus = 400 | 401 | 403 | 404 | 409 | 415 | 503;

/** An error the API answers with as it is: its status, a stable code, and a message saying what is allowed. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: ApiErrorStatus,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function badRequest(field: string, rule: string, details: Record<string, unknown> = {}): ApiError {
  return new ApiError(400, 'INVALID_INPUT', `${field} ${rule}`, { field, rule, ...details });
}

export function notFound(what: string, id: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `${what} "${id}" does not exist`);
}
