import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { NodeDiagnostics } from "../../src/diagnostics/node-diagnostics.js";
import { DiagnosticStatus } from "../../src/msgs/types.generated.js";

function diag(budgetMs?: number): NodeDiagnostics {
  return new NodeDiagnostics({
    name: "/perception/x",
    hardwareId: "camera_front",
    budgetMs,
    budgetWindow: 3,
    errorRecoveryFrames: 2,
    warmupFrames: 0,
  });
}

describe("NodeDiagnostics", () => {
  it("is OK with no conditions and reports the worst condition first", () => {
    const d = diag();
    expect(d.status()).toMatchObject({
      level: DiagnosticStatus.OK,
      message: "OK",
      name: "/perception/x",
      hardware_id: "camera_front",
    });
    d.set("model", "warn", "model missing: HOG fallback in use");
    d.set("calibration", "error", "calibration invalid: K is zero");
    const s = d.status();
    expect(s.level).toBe(DiagnosticStatus.ERROR);
    expect(s.message).toBe("calibration invalid: K is zero; model missing: HOG fallback in use");
    d.clear("calibration");
    expect(d.status().level).toBe(DiagnosticStatus.WARN);
  });

  it("turns WARN when the median processing time goes over budget and back when it falls", () => {
    const d = diag(50);
    d.recordFrame(10);
    d.recordFrame(80);
    expect(d.level()).toBe("ok");
    d.recordFrame(90); // median of 10, 80, 90 = 80
    expect(d.level()).toBe("warn");
    expect(d.message()).toMatch(/over budget: median 80\.0 ms > 50 ms/);
    d.recordFrame(5);
    d.recordFrame(5);
    expect(d.level()).toBe("ok");
  });

  it("leaves the warm-up frames out of the budget", () => {
    const d = new NodeDiagnostics({
      name: "/n",
      hardwareId: "c",
      budgetMs: 50,
      budgetWindow: 3,
      warmupFrames: 2,
    });
    d.recordFrame(900);
    d.recordFrame(900);
    d.recordFrame(10);
    expect(d.level()).toBe("ok");
    d.recordFrame(90);
    d.recordFrame(90);
    expect(d.level()).toBe("warn");
  });

  it("turns ERROR on a model error, counts errors by kind, and eases to WARN after good frames", () => {
    const d = diag();
    d.recordError(new PerceptionError("model", "inference failed"));
    expect(d.level()).toBe("error");
    expect(d.message()).toMatch(/model error \(1 so far\): inference failed/);
    d.recordError(new PerceptionError("image", "corrupt JPEG"));
    expect(d.errorCounts()).toEqual({ image: 1, model: 1 });
    expect(d.level()).toBe("warn");
    d.recordError(new Error("boom"));
    expect(d.level()).toBe("error");
    d.recordFrame(1);
    d.recordFrame(1);
    expect(d.level()).toBe("warn");
    expect(d.message()).toMatch(/recovered after errors/);
    const values = Object.fromEntries(d.status().values.map((v) => [v.key, v.value]));
    expect(values["errors.model"]).toBe("1");
    expect(values.frames).toBe("2");
  });
});
