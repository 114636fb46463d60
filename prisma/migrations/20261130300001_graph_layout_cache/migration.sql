-- State-machine graph layouts, shared by every app instance (issue #17): laying out a definition with elkjs
-- costs 0.1–1 s, so it is done once per definition (and layout version), not once per instance.
CREATE TABLE "graph_layout" (
    "key" TEXT NOT NULL,
    "layout" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "graph_layout_pkey" PRIMARY KEY ("key")
);
