import { readModelFile, writeModelFile } from "./src/models/onnx/onnx-proto.js";
import { loadModelContract } from "./src/models/contract.js";
import { loadCalibrationFrames } from "./src/models/quantize/calibration-frames.js";
import { quantizeModel } from "./src/models/quantize/quantize-model.js";
import { evaluate } from "./src/models/quantize/evaluate.js";
import { readImageFile } from "./src/image/image-view.js";
import { readFileSync } from "node:fs";
const c = { ...loadModelContract("yolox_nano"), file: "yolox_nano.onnx" };
const frames = await loadCalibrationFrames("../shared/data/cdnet_crosswalk/frames", { maxFrames: 20 });
const evalFrames: any[] = [];
const lab = JSON.parse(readFileSync("test/fixtures/kitti-000007-coco-labels.json","utf8")).images["kitti/000007.png"].map((b:any)=>({classId:b.class_id,x1:b.box_xyxy[0],y1:b.box_xyxy[1],x2:b.box_xyxy[2],y2:b.box_xyxy[3]}));
evalFrames.push({ source: "kitti", view: await readImageFile("../shared/data/kitti/000007.png"), boxes: lab });
for (const d of ["../shared/data/bdd100k","../shared/data/cdnet_crosswalk/complex","../shared/data/tusimple/unlabelled"]) evalFrames.push(...await loadCalibrationFrames(d, { maxFrames: 100 }));
const variants: Record<string, any> = JSON.parse(process.argv[2]!);
const fp32 = readModelFile("../shared/models/yolox_nano.onnx");
for (const [name, v] of Object.entries(variants)) {
  const r = await quantizeModel(fp32, { contract: c, frames, calibrator: { kind: "percentile", percentile: 99.99 }, keepFp32Nodes: [], keepFp32Ops: [], quantizeTail: false, errorFrames: 2, weightBits: 8, perChannel: true, log: () => {}, ...v });
  writeModelFile(`/tmp/q/v_${name}.onnx`, r.model);
  const e = await evaluate({ contract: c, modelDir: "../shared/models", int8File: `/tmp/q/v_${name}.onnx`, frames: evalFrames, classIds: [0, 2], matchIou: 0.5, speedRuns: 3 });
  const a = e.accuracy as any;
  console.log(r.layerErrors.slice(0,6).map((e:any)=>e.name.split("/").slice(-4,-2).join("/")+" "+e.error.toFixed(4)).join(" | ")); console.log(name.padEnd(12), "agree R", (a.agreement.recall*100).toFixed(1), "P", (a.agreement.precision*100).toFixed(1), "IoU", a.agreement.meanIou.toFixed(3), "| labels R", (a.labelled.int8.recall*100).toFixed(0), "perLabel", a.perLabel.map((p:any)=>p.int8Iou.toFixed(2)).join(","), "| ms", e.speed.fp32Ms.toFixed(1), e.speed.int8Ms.toFixed(1), "kept", r.kept.length);
}
