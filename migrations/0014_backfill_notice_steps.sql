-- Notices written before 0013 carried no step_id: their link names the step
-- (/validations/etapes/<uuid>). Give them their step, and mark done those whose step has left
-- « active », as the workflow engine now does at each transition. Runs once, with the migrations.
UPDATE "notifications" n
   SET "step_id" = s."id",
       "done_at" = CASE WHEN s."status" = 'active' THEN NULL ELSE coalesce(s."decided_at", s."updated_at") END
  FROM "workflow_steps" s
 WHERE n."step_id" IS NULL
   AND n."kind" IN ('workflow.assignment', 'workflow.reminder', 'workflow.escalation')
   AND n."link" ~ '^/validations/etapes/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
   AND s."id" = substring(n."link" from '^/validations/etapes/([0-9a-f-]{36})$')::uuid;
