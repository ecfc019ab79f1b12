// The kinds of session the generator produces: the genuine one and each named attack.

export const ATTACK_SPECIES = [
  /** The flat photo held still in front of the camera, with hand jitter. */
  'print_still',
  /** The photo as a rigid card tilted toward the asked directions: a homography, not a head. */
  'print_tilted',
  /** A genuine session of a different challenge, filmed off a screen (bezel, moiré, glare, gamma). */
  'replay_screen',
  /** The same replay fed straight into the stream (virtual camera), no screen artefacts. */
  'replay_injected',
  /** Genuine motion, but another person's head from one step onward. */
  'face_swap',
  /** Genuine motion in the opposite directions to those asked. */
  'wrong_direction',
  /** The background only. */
  'no_face',
  /** Two heads in view. */
  'multiple_faces',
] as const;

export type AttackSpecies = (typeof ATTACK_SPECIES)[number];
export type SessionSpecies = 'bona_fide' | AttackSpecies;
export const SESSION_SPECIES: readonly SessionSpecies[] = ['bona_fide', ...ATTACK_SPECIES];

export function isSessionSpecies(value: string): value is SessionSpecies {
  return (SESSION_SPECIES as readonly string[]).includes(value);
}

/** Species that need a second person's face. */
export function needsOtherFace(species: SessionSpecies): boolean {
  return species === 'face_swap' || species === 'multiple_faces';
}
