import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { DELIVERY_WORKFLOW_TYPE, deliveryWorkflowId } from './ids';

/** What the delivery workflow takes: the id alone; the channel's secret is read by its activity. */
export interface DeliveryInput {
  readonly deliveryId: string;
}

/** Starts a delivery's workflow; one already started (running, or done) is left as it is. */
export async function startDelivery(client: Client, taskQueue: string, deliveryId: string): Promise<void> {
  const input: DeliveryInput = { deliveryId };
  try {
    await client.workflow.start(DELIVERY_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: deliveryWorkflowId(deliveryId),
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
