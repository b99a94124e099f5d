/** Colours shared by the RViz markers, the debug image and the bird's-eye view, one meaning each. */
import { Crosswalk, LaneMarking } from "../msgs/types.generated.js";
import type { ColorRGBA } from "../msgs/types.generated.js";

/** r, g, b in 0..1 and alpha. */
export function rgba(r: number, g: number, b: number, a = 1): ColorRGBA {
  return { r, g, b, a };
}

/** A colour as CSS/SVG `rgb(...)` text. */
export function cssColor(c: ColorRGBA): string {
  return `rgb(${Math.round(c.r * 255)},${Math.round(c.g * 255)},${Math.round(c.b * 255)})`;
}

/** Lane markings by LaneMarking.type: solid white, dashed light blue, double solid yellow, road edge red. */
export function laneTypeColor(type: number): ColorRGBA {
  switch (type) {
    case LaneMarking.TYPE_SOLID:
      return rgba(1, 1, 1);
    case LaneMarking.TYPE_DASHED:
      return rgba(0.3, 0.8, 1);
    case LaneMarking.TYPE_DOUBLE_SOLID:
      return rgba(1, 0.85, 0.1);
    case LaneMarking.TYPE_ROAD_EDGE:
      return rgba(1, 0.25, 0.2);
    default:
      return rgba(0.6, 0.6, 0.6);
  }
}

/** Crosswalks by Crosswalk.map_status: confirmed green, unmapped orange, mapped but not seen magenta, not checked cyan. */
export function crosswalkColor(mapStatus: number): ColorRGBA {
  switch (mapStatus) {
    case Crosswalk.MAP_STATUS_CONFIRMED:
      return rgba(0.2, 0.9, 0.3);
    case Crosswalk.MAP_STATUS_UNMAPPED:
      return rgba(1, 0.6, 0.1);
    case Crosswalk.MAP_STATUS_NOT_SEEN:
      return rgba(0.9, 0.2, 0.9);
    default:
      return rgba(0.2, 0.8, 0.9);
  }
}

/** Pedestrians: red inside the ego corridor, yellow otherwise. */
export function pedestrianColor(inEgoCorridor: boolean): ColorRGBA {
  return inEgoCorridor ? rgba(1, 0.15, 0.15) : rgba(1, 0.9, 0.2);
}

/** The HD-map layer: grey boundaries, pale green crosswalks, white stop lines. */
export const MAP_BOUNDARY_COLOR = rgba(0.55, 0.55, 0.6, 0.8);
export const MAP_CROSSWALK_COLOR = rgba(0.5, 0.9, 0.6, 0.5);
export const MAP_STOP_LINE_COLOR = rgba(0.95, 0.95, 0.95, 0.9);
