/** Photometric conditions of a drive: light, weather and lens effects. */

/** Where the light comes from and how strong it is. */
export type Lighting =
  /** Clear day: sun at `sun`, hard shadows. */
  | { kind: "sunny"; sunAzimuth: number; sunElevation: number }
  /** Overcast day: soft ambient light, faint shadows. */
  | { kind: "overcast" }
  /** Night: dark sky, street lamps every `lampSpacing` metres, the ego's headlight cone. */
  | { kind: "night"; lampSpacing: number };

export type Weather =
  /** Dry. */
  | { kind: "clear" }
  /** Rain: wet road (darker, reflective), blur, sensor noise and streaks; intensity 0..1. */
  | { kind: "rain"; intensity: number };

export interface Environment {
  lighting: Lighting;
  weather: Weather;
  /** Low sun in front of the camera: a bright blob with veiling glare; absent = none. */
  glare?: { azimuth: number; elevation: number; strength: number };
  /** Overall exposure multiplier (1 = nominal). */
  exposure: number;
  /** What stands beyond the road: town blocks or tree lines (default country). */
  backdrop?: "town" | "country";
}
