/**
 * Class maps: which of a detector's classes are people on foot and which are riders (a cyclist or
 * motorcyclist is a rider, not a pedestrian). A model with its own rider class (KITTI "Cyclist",
 * BDD100K "rider") names it in `rider`; a COCO model has only "person", so a person box over a
 * two-wheeler box (`ridden`: COCO bicycle 1, motorcycle 3) is taken as a rider.
 */
import type { Detection, PersonCategory } from "./detection.js";

export interface ClassMap {
  /** Class ids of people on foot (or people whose kind the model does not tell). */
  pedestrian: readonly number[];
  /** Class ids of riders (cyclists, motorcyclists) by themselves. */
  rider: readonly number[];
  /** Two-wheeler class ids: a pedestrian-class box over one of these is a rider. */
  ridden: readonly number[];
}

/** Class ids the decoder must keep for the map to work (people and the vehicles they ride). */
export function classMapIds(m: ClassMap): number[] {
  return [...new Set([...m.pedestrian, ...m.rider, ...m.ridden])];
}

/**
 * Whether a person box rides a two-wheeler box: they overlap across at least half the narrower
 * width, and the vehicle's bottom is in the person's lower half (under the rider, not behind a
 * walker's head). A walker pushing a bike beside them does not overlap that much across.
 */
export function ridesOn(person: Detection, vehicle: Detection): boolean {
  const overlapX = Math.min(person.x2, vehicle.x2) - Math.max(person.x1, vehicle.x1);
  const narrower = Math.min(person.x2 - person.x1, vehicle.x2 - vehicle.x1);
  if (narrower <= 0 || overlapX < 0.5 * narrower) return false;
  const personMidY = (person.y1 + person.y2) / 2;
  return vehicle.y2 >= personMidY && vehicle.y1 < person.y2;
}

/**
 * People categorised by the map: each pedestrian- or rider-class box with its `category`; other
 * classes pass through unchanged (the caller's class filter decides whether they are kept).
 */
export function categorisePeople<D extends Detection>(
  detections: readonly D[],
  m: ClassMap,
): (D & { category?: PersonCategory })[] {
  const pedestrian = new Set(m.pedestrian);
  const rider = new Set(m.rider);
  const ridden = new Set(m.ridden);
  const vehicles = detections.filter((d) => ridden.has(d.classId));
  return detections.map((d) => {
    if (rider.has(d.classId)) return { ...d, category: "rider" as const };
    if (pedestrian.has(d.classId))
      return {
        ...d,
        category: vehicles.some((v) => ridesOn(d, v))
          ? ("rider" as const)
          : ("pedestrian" as const),
      };
    return d;
  });
}
