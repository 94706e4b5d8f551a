/** Custom search attributes this project registers, so the Web UI can filter runs by process. */
export const PROCESS_SEARCH_ATTRIBUTE = 'BehflowProcess';

export const CUSTOM_SEARCH_ATTRIBUTES = { [PROCESS_SEARCH_ATTRIBUTE]: 'Keyword' } as const;
