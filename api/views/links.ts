/** The links live in platform/ so that notifications (activities/) link to runs as the API does. */
export { processesUiUrl, scheduleUiUrl, workflowUiUrl } from '../../platform/links';
