// Copies the current video frame, raw and unmirrored, to a JPEG data URI no larger than the
// protocol's max_width on its longest side.

export class FrameGrabber {
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D | null;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly maxSide: number,
    private readonly quality = 0.85,
  ) {
    this.canvas = document.createElement('canvas');
    this.context = this.canvas.getContext('2d', { alpha: false });
  }

  /** Undefined while the video has no frame yet (or the browser cannot encode JPEG). */
  grab(): string | undefined {
    const { videoWidth, videoHeight } = this.video;
    if (!this.context || videoWidth < 64 || videoHeight < 64) return undefined;
    // Portrait and landscape both work: the size is read per frame, so rotation mid-capture is fine.
    const scale = Math.min(1, this.maxSide / Math.max(videoWidth, videoHeight));
    const width = Math.round(videoWidth * scale);
    const height = Math.round(videoHeight * scale);
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    this.context.drawImage(this.video, 0, 0, width, height);
    const uri = this.canvas.toDataURL('image/jpeg', this.quality);
    return uri.startsWith('data:image/jpeg') ? uri : undefined;
  }
}
