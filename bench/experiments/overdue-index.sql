-- Candidate index for the reschedule batches (an experiment: npm run bench -- --seed-sql=bench/experiments/overdue-index.sql).
-- Each batch selects the first RESCHEDULE_BATCH_SIZE overdue tasks ORDER BY due_date_gregorian, task_id.
-- Through idx_tasks_due_date_gregorian that scan starts at the oldest due date every time and steps
-- over every completed and cancelled task due before the current position (and the dead entries of
-- tasks already moved): work that grows with each batch, so a run grows quadratically with N.
-- This index holds only the tasks a run can move, already in the batch's order.
CREATE INDEX IF NOT EXISTS idx_tasks_open_due ON tasks (due_date_gregorian, task_id)
  WHERE status IN ('pending', 'in_progress');
