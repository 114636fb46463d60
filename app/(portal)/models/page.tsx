import type { Metadata } from "next";
import { listModels } from "@/lib/models/queries";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Models" };

export default async function ModelsPage() {
  const models = await listModels();
  return (
    <>
      <h1>Models</h1>
      {models.length === 0 ? (
        <div className="empty-state">
          <p>No models yet.</p>
          <p>Model package groups and the training jobs of your pipelines appear here once synced.</p>
        </div>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Team</th>
              <th scope="col">Versions</th>
            </tr>
          </thead>
          <tbody>
            {models.map((model) => (
              <tr key={model.id}>
                <td>{model.name}</td>
                <td>{model.team?.name ?? "—"}</td>
                <td>{model._count.versions}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
