import type { Metadata } from "next";
import { listPipelines } from "@/lib/pipelines/queries";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Pipelines" };

export default async function PipelinesPage() {
  const pipelines = await listPipelines();
  return (
    <>
      <h1>Pipelines</h1>
      {pipelines.length === 0 ? (
        <div className="empty-state">
          <p>No pipelines have been synced yet.</p>
          <p>Stepwise lists every Step Functions state machine of the configured AWS sources here.</p>
        </div>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Pipeline</th>
              <th scope="col">Team</th>
              <th scope="col">Last run</th>
            </tr>
          </thead>
          <tbody>
            {pipelines.map((pipeline) => (
              <tr key={pipeline.id}>
                <td>{pipeline.name}</td>
                <td>{pipeline.team?.name ?? "—"}</td>
                <td>{pipeline.lastRunAt?.toISOString() ?? "never"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
