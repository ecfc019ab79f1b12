// Opening the camera: front camera by default, never an infrared or virtual camera chosen
// silently when the browser names them, and errors sorted into what the person can do about them.

export type CameraProblem = 'denied' | 'no_camera' | 'busy' | 'unsupported';

export class CameraError extends Error {
  override name = 'CameraError';
  constructor(
    readonly problem: CameraProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface CameraChoice {
  deviceId: string;
  label: string;
  /** Infrared, depth or virtual cameras: never picked unless the person chooses one. */
  avoid: boolean;
}

const AVOIDED = /\b(ir|infra-?red|depth|virtual|obs|snap camera|manycam|xsplit|droidcam)\b/i;

export function isAvoidedCamera(label: string): boolean {
  return AVOIDED.test(label);
}

export function classifyCameraError(error: unknown): CameraProblem {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'no_camera';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'busy';
    case 'TypeError':
      return 'unsupported';
    default:
      return 'busy';
  }
}

function constraints(deviceId: string | undefined): MediaStreamConstraints {
  const size = { width: { ideal: 640 }, height: { ideal: 480 } };
  return {
    audio: false,
    video: deviceId ? { ...size, deviceId: { exact: deviceId } } : { ...size, facingMode: 'user' },
  };
}

export async function openCamera(deviceId?: string): Promise<MediaStream> {
  const media = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
  if (!media || typeof media.getUserMedia !== 'function') {
    // Insecure contexts (http on a LAN address) and some in-app WebViews have no mediaDevices.
    throw new CameraError('unsupported', 'navigator.mediaDevices.getUserMedia is not available');
  }
  try {
    return await media.getUserMedia(constraints(deviceId));
  } catch (error) {
    // A camera unplugged since it was listed: fall back to any front camera.
    if (deviceId && error instanceof Error && (error.name === 'OverconstrainedError' || error.name === 'NotFoundError')) {
      return openCamera(undefined);
    }
    throw new CameraError(classifyCameraError(error), error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  }
}

export function stopCamera(stream: MediaStream | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

export function deviceIdOf(stream: MediaStream): string | undefined {
  return stream.getVideoTracks()[0]?.getSettings().deviceId;
}

/** Video inputs with their labels (known once the person allowed the camera). */
export async function listCameras(): Promise<CameraChoice[]> {
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  return devices
    .filter((d) => d.kind === 'videoinput' && d.deviceId !== '')
    .map((d) => ({ deviceId: d.deviceId, label: d.label, avoid: isAvoidedCamera(d.label) }));
}

/**
 * A better camera than `current` when the browser handed us an infrared or virtual one: a
 * front-facing ordinary camera first, then any ordinary camera. Undefined when `current` is fine.
 */
export function betterCamera(cameras: readonly CameraChoice[], current: string | undefined): CameraChoice | undefined {
  const now = cameras.find((c) => c.deviceId === current);
  if (!now?.avoid) return undefined;
  const ordinary = cameras.filter((c) => !c.avoid);
  return ordinary.find((c) => /front|user|facetime|integrated/i.test(c.label)) ?? ordinary[0];
}
