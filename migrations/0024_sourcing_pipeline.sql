CREATE TABLE "sourcing_case_stages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"from_stage" text,
	"entered_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone,
	"moved_by_id" uuid,
	"moved_by" text NOT NULL,
	"reason" text,
	CONSTRAINT "sourcing_case_stages_stage_check" CHECK ("sourcing_case_stages"."stage" in ('reperee', 'qualifiee', 'rencontree', 'evaluee', 'experimentation', 'contractualisation', 'deployee', 'en_veille', 'abandonnee'))
);
--> statement-breakpoint
CREATE TABLE "sourcing_cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"challenge_id" uuid,
	"organization_id" uuid NOT NULL,
	"unit_id" uuid,
	"owner_id" uuid,
	"source" text NOT NULL,
	"summary" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"estimated_budget_cents" integer,
	"next_step" text,
	"next_step_on" date,
	"stage" text DEFAULT 'reperee' NOT NULL,
	"stage_entered_at" timestamp with time zone NOT NULL,
	"stage_reason" text,
	"confidential" boolean DEFAULT false NOT NULL,
	"convention_id" uuid,
	"created_by_id" uuid,
	"updated_by_id" uuid,
	"source_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sourcing_cases_stage_check" CHECK ("sourcing_cases"."stage" in ('reperee', 'qualifiee', 'rencontree', 'evaluee', 'experimentation', 'contractualisation', 'deployee', 'en_veille', 'abandonnee')),
	CONSTRAINT "sourcing_cases_source_check" CHECK ("sourcing_cases"."source" in ('salon', 'concours_ilab', 'incubateur', 'candidature_spontanee', 'recommandation', 'veille')),
	CONSTRAINT "sourcing_cases_budget_check" CHECK ("sourcing_cases"."estimated_budget_cents" is null or "sourcing_cases"."estimated_budget_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "sourcing_challenge_units" (
	"challenge_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "sourcing_challenge_units_challenge_id_unit_id_pk" PRIMARY KEY("challenge_id","unit_id")
);
--> statement-breakpoint
CREATE TABLE "sourcing_challenges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"problem_statement" text NOT NULL,
	"expected_benefits" text,
	"owner_id" uuid,
	"sponsor_id" uuid,
	"budget_min_cents" integer,
	"budget_max_cents" integer,
	"starts_on" date,
	"ends_on" date,
	"criteria" jsonb NOT NULL,
	"circuit_key" text,
	"status" text DEFAULT 'brouillon' NOT NULL,
	"outcome" text,
	"outcome_note" text,
	"closed_at" timestamp with time zone,
	"created_by_id" uuid,
	"updated_by_id" uuid,
	"source_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sourcing_challenges_status_check" CHECK ("sourcing_challenges"."status" in ('brouillon', 'ouvert', 'en_sourcing', 'clos')),
	CONSTRAINT "sourcing_challenges_outcome_check" CHECK ("sourcing_challenges"."outcome" is null or "sourcing_challenges"."outcome" in ('solution_deployee', 'sans_solution_retenue', 'besoin_abandonne', 'reporte')),
	CONSTRAINT "sourcing_challenges_budget_check" CHECK ("sourcing_challenges"."budget_min_cents" is null or "sourcing_challenges"."budget_max_cents" is null or "sourcing_challenges"."budget_max_cents" >= "sourcing_challenges"."budget_min_cents"),
	CONSTRAINT "sourcing_challenges_period_check" CHECK ("sourcing_challenges"."starts_on" is null or "sourcing_challenges"."ends_on" is null or "sourcing_challenges"."ends_on" >= "sourcing_challenges"."starts_on")
);
--> statement-breakpoint
CREATE TABLE "sourcing_gates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"run_id" uuid,
	"target_stage" text NOT NULL,
	"from_stage" text NOT NULL,
	"status" text DEFAULT 'en_cours' NOT NULL,
	"evaluator_ids" uuid[] NOT NULL,
	"sponsor_id" uuid,
	"criteria" jsonb NOT NULL,
	"documents_seen" text,
	"rationale" text,
	"decided_by_id" uuid,
	"decided_at" timestamp with time zone,
	"weighted_mean_x100" integer,
	"started_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sourcing_gates_target_check" CHECK ("sourcing_gates"."target_stage" in ('experimentation', 'contractualisation')),
	CONSTRAINT "sourcing_gates_status_check" CHECK ("sourcing_gates"."status" in ('en_cours', 'complement', 'go', 'no_go', 'annule'))
);
--> statement-breakpoint
CREATE TABLE "sourcing_pilot_criteria" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pilot_id" uuid NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"label" text NOT NULL,
	"measure" text NOT NULL,
	"target" text NOT NULL,
	"result" text,
	"met" boolean
);
--> statement-breakpoint
CREATE TABLE "sourcing_pilot_milestones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pilot_id" uuid NOT NULL,
	"label" text NOT NULL,
	"check_on" date NOT NULL,
	"task_id" uuid
);
--> statement-breakpoint
CREATE TABLE "sourcing_pilots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"iteration" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'en_preparation' NOT NULL,
	"starts_on" date,
	"ends_on" date,
	"original_ends_on" date,
	"extension_reason" text,
	"extended_at" timestamp with time zone,
	"decision_owner_id" uuid,
	"unit_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"learners_count" integer,
	"staff_count" integer,
	"budget_cents" integer,
	"decision" text,
	"decision_rationale" text,
	"decided_by_id" uuid,
	"decided_at" timestamp with time zone,
	"created_by_id" uuid,
	"source_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sourcing_pilots_status_check" CHECK ("sourcing_pilots"."status" in ('en_preparation', 'en_cours', 'clos')),
	CONSTRAINT "sourcing_pilots_decision_check" CHECK ("sourcing_pilots"."decision" is null or "sourcing_pilots"."decision" in ('deployer', 'prolonger', 'iterer', 'arreter')),
	CONSTRAINT "sourcing_pilots_period_check" CHECK ("sourcing_pilots"."starts_on" is null or "sourcing_pilots"."ends_on" is null or "sourcing_pilots"."ends_on" >= "sourcing_pilots"."starts_on"),
	CONSTRAINT "sourcing_pilots_counts_check" CHECK (coalesce("sourcing_pilots"."learners_count", 0) >= 0 and coalesce("sourcing_pilots"."staff_count", 0) >= 0 and coalesce("sourcing_pilots"."budget_cents", 0) >= 0)
);
--> statement-breakpoint
CREATE TABLE "sourcing_scorecards" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"gate_id" uuid NOT NULL,
	"step_id" uuid,
	"evaluator_id" uuid,
	"scores" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"overall_comment" text,
	"conflict_declared" boolean DEFAULT false NOT NULL,
	"conflict_note" text,
	"replaced_by_id" uuid,
	"weighted_mean_x100" integer,
	"submitted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "import_batches" DROP CONSTRAINT "import_batches_entity_check";--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "sourcing_case_id" uuid;--> statement-breakpoint
ALTER TABLE "sourcing_case_stages" ADD CONSTRAINT "sourcing_case_stages_case_id_sourcing_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."sourcing_cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_case_stages" ADD CONSTRAINT "sourcing_case_stages_moved_by_id_users_id_fk" FOREIGN KEY ("moved_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_cases" ADD CONSTRAINT "sourcing_cases_challenge_id_sourcing_challenges_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."sourcing_challenges"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_cases" ADD CONSTRAINT "sourcing_cases_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_cases" ADD CONSTRAINT "sourcing_cases_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_cases" ADD CONSTRAINT "sourcing_cases_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_cases" ADD CONSTRAINT "sourcing_cases_convention_id_conventions_id_fk" FOREIGN KEY ("convention_id") REFERENCES "public"."conventions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_cases" ADD CONSTRAINT "sourcing_cases_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_cases" ADD CONSTRAINT "sourcing_cases_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_challenge_units" ADD CONSTRAINT "sourcing_challenge_units_challenge_id_sourcing_challenges_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."sourcing_challenges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_challenge_units" ADD CONSTRAINT "sourcing_challenge_units_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_challenges" ADD CONSTRAINT "sourcing_challenges_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_challenges" ADD CONSTRAINT "sourcing_challenges_sponsor_id_users_id_fk" FOREIGN KEY ("sponsor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_challenges" ADD CONSTRAINT "sourcing_challenges_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_challenges" ADD CONSTRAINT "sourcing_challenges_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_gates" ADD CONSTRAINT "sourcing_gates_case_id_sourcing_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."sourcing_cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_gates" ADD CONSTRAINT "sourcing_gates_run_id_workflow_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."workflow_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_gates" ADD CONSTRAINT "sourcing_gates_sponsor_id_users_id_fk" FOREIGN KEY ("sponsor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_gates" ADD CONSTRAINT "sourcing_gates_decided_by_id_users_id_fk" FOREIGN KEY ("decided_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_gates" ADD CONSTRAINT "sourcing_gates_started_by_id_users_id_fk" FOREIGN KEY ("started_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_pilot_criteria" ADD CONSTRAINT "sourcing_pilot_criteria_pilot_id_sourcing_pilots_id_fk" FOREIGN KEY ("pilot_id") REFERENCES "public"."sourcing_pilots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_pilot_milestones" ADD CONSTRAINT "sourcing_pilot_milestones_pilot_id_sourcing_pilots_id_fk" FOREIGN KEY ("pilot_id") REFERENCES "public"."sourcing_pilots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_pilot_milestones" ADD CONSTRAINT "sourcing_pilot_milestones_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_pilots" ADD CONSTRAINT "sourcing_pilots_case_id_sourcing_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."sourcing_cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_pilots" ADD CONSTRAINT "sourcing_pilots_decision_owner_id_users_id_fk" FOREIGN KEY ("decision_owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_pilots" ADD CONSTRAINT "sourcing_pilots_decided_by_id_users_id_fk" FOREIGN KEY ("decided_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_pilots" ADD CONSTRAINT "sourcing_pilots_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_scorecards" ADD CONSTRAINT "sourcing_scorecards_gate_id_sourcing_gates_id_fk" FOREIGN KEY ("gate_id") REFERENCES "public"."sourcing_gates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_scorecards" ADD CONSTRAINT "sourcing_scorecards_step_id_workflow_steps_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."workflow_steps"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_scorecards" ADD CONSTRAINT "sourcing_scorecards_evaluator_id_users_id_fk" FOREIGN KEY ("evaluator_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_scorecards" ADD CONSTRAINT "sourcing_scorecards_replaced_by_id_users_id_fk" FOREIGN KEY ("replaced_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sourcing_case_stages_case_idx" ON "sourcing_case_stages" USING btree ("case_id","entered_at");--> statement-breakpoint
CREATE INDEX "sourcing_case_stages_entered_idx" ON "sourcing_case_stages" USING btree ("entered_at","stage");--> statement-breakpoint
CREATE UNIQUE INDEX "sourcing_case_stages_open_key" ON "sourcing_case_stages" USING btree ("case_id") WHERE "sourcing_case_stages"."left_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "sourcing_cases_source_ref_key" ON "sourcing_cases" USING btree ("source_ref");--> statement-breakpoint
CREATE UNIQUE INDEX "sourcing_cases_challenge_org_key" ON "sourcing_cases" USING btree ("challenge_id","organization_id") WHERE "sourcing_cases"."challenge_id" is not null;--> statement-breakpoint
CREATE INDEX "sourcing_cases_stage_idx" ON "sourcing_cases" USING btree ("stage","stage_entered_at");--> statement-breakpoint
CREATE INDEX "sourcing_cases_challenge_stage_idx" ON "sourcing_cases" USING btree ("challenge_id","stage");--> statement-breakpoint
CREATE INDEX "sourcing_cases_org_idx" ON "sourcing_cases" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "sourcing_cases_owner_idx" ON "sourcing_cases" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "sourcing_cases_unit_idx" ON "sourcing_cases" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "sourcing_challenge_units_unit_idx" ON "sourcing_challenge_units" USING btree ("unit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sourcing_challenges_source_ref_key" ON "sourcing_challenges" USING btree ("source_ref");--> statement-breakpoint
CREATE INDEX "sourcing_challenges_status_idx" ON "sourcing_challenges" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "sourcing_gates_case_idx" ON "sourcing_gates" USING btree ("case_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sourcing_gates_run_key" ON "sourcing_gates" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sourcing_gates_open_case_key" ON "sourcing_gates" USING btree ("case_id") WHERE "sourcing_gates"."status" in ('en_cours', 'complement');--> statement-breakpoint
CREATE INDEX "sourcing_gates_decided_idx" ON "sourcing_gates" USING btree ("decided_at");--> statement-breakpoint
CREATE INDEX "sourcing_pilot_criteria_pilot_idx" ON "sourcing_pilot_criteria" USING btree ("pilot_id","position");--> statement-breakpoint
CREATE INDEX "sourcing_pilot_milestones_pilot_idx" ON "sourcing_pilot_milestones" USING btree ("pilot_id","check_on");--> statement-breakpoint
CREATE UNIQUE INDEX "sourcing_pilots_source_ref_key" ON "sourcing_pilots" USING btree ("source_ref");--> statement-breakpoint
CREATE UNIQUE INDEX "sourcing_pilots_case_iteration_key" ON "sourcing_pilots" USING btree ("case_id","iteration");--> statement-breakpoint
CREATE UNIQUE INDEX "sourcing_pilots_open_case_key" ON "sourcing_pilots" USING btree ("case_id") WHERE "sourcing_pilots"."status" <> 'clos';--> statement-breakpoint
CREATE INDEX "sourcing_pilots_ends_idx" ON "sourcing_pilots" USING btree ("ends_on") WHERE "sourcing_pilots"."status" <> 'clos';--> statement-breakpoint
CREATE INDEX "sourcing_scorecards_gate_idx" ON "sourcing_scorecards" USING btree ("gate_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sourcing_scorecards_gate_evaluator_key" ON "sourcing_scorecards" USING btree ("gate_id","evaluator_id");--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_sourcing_case_id_sourcing_cases_id_fk" FOREIGN KEY ("sourcing_case_id") REFERENCES "public"."sourcing_cases"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tasks_sourcing_case_idx" ON "tasks" USING btree ("sourcing_case_id","created_at");--> statement-breakpoint
ALTER TABLE "import_batches" ADD CONSTRAINT "import_batches_entity_check" CHECK ("import_batches"."entity_type" in ('organizations', 'contacts', 'sourcing_cases'));