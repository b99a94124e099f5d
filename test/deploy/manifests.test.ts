import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { projectPath } from "../../src/core/paths.js";

type Doc = any;
const docs = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(projectPath("deploy", "k8s", file), "utf8")).map((d) =>
    d.toJSON(),
  );

describe("fleet deployment files", () => {
  it("the shard Job is Indexed, its JOB_COMPLETIONS equals completions, and it mounts what it reads and writes", () => {
    const all = docs("eval-job.yaml");
    const job = all.find((d) => d.kind === "Job");
    expect(job.spec.completionMode).toBe("Indexed");
    const c = job.spec.template.spec.containers[0];
    expect(c.env.find((e: Doc) => e.name === "JOB_COMPLETIONS").value).toBe(
      String(job.spec.completions),
    );
    expect(c.args.slice(0, 3)).toEqual(["eval", "--replay", "/data/bags"]);
    expect(c.args).toContain("--out");
    expect(c.args).not.toContain("--shard"); // the shard comes from JOB_COMPLETION_INDEX
    expect(c.resources.requests.cpu).toBeDefined();
    const claims = new Set(
      all.filter((d) => d.kind === "PersistentVolumeClaim").map((d) => d.metadata.name),
    );
    for (const v of job.spec.template.spec.volumes)
      expect(claims.has(v.persistentVolumeClaim.claimName)).toBe(true);
    const mounts = c.volumeMounts.map((m: Doc) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(["/data/bags", "/data/results"]));
    const out = c.args[c.args.indexOf("--out") + 1];
    const merge = docs("eval-merge-job.yaml").find((d) => d.kind === "Job");
    expect(merge.spec.template.spec.containers[0].args.join(" ")).toContain(`merge ${out}`);
  });

  it("the image is Node 20 with the CLI as entry point and no models baked in", () => {
    const dockerfile = readFileSync(projectPath("deploy", "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(
      /ENTRYPOINT \["node", "\/opt\/edge-perception\/app\/bin\/edge-perception\.mjs"\]/,
    );
    expect(dockerfile).not.toMatch(/COPY .*models/);
    expect(dockerfile).toMatch(/VOLUME \["\/opt\/edge-perception\/shared\/models"/);
  });
});
