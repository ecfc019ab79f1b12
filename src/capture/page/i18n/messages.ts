// The capture page's words. Every language fills the whole catalogue (the type checker sees to
// it); the server picks one from Accept-Language and hands it to the page with the HTML shell.

export interface Messages {
  pageTitle: string;
  loading: string;
  noScript: string;

  introTitle: string;
  introLead: string;
  introStepCamera: string;
  introStepMoves: string;
  introStepTime: string;
  introPrivacy: string;
  startButton: string;

  cameraRequesting: string;
  cameraRequestingHint: string;
  cameraLabel: string;
  cameraUnnamed: string;
  previewTitle: string;
  previewHint: string;
  readyButton: string;
  starting: string;

  lookStraight: string;
  stepCounter: string;
  moveTurnLeft: string;
  moveTurnRight: string;
  moveLookUp: string;
  moveLookDown: string;
  moveBack: string;
  finishing: string;
  liveRegionStep: string;

  feedbackNoFace: string;
  feedbackMultipleFaces: string;
  feedbackTooSmall: string;
  feedbackTooClose: string;
  feedbackNotCentered: string;
  feedbackTooDark: string;
  feedbackTooBright: string;
  feedbackBlurred: string;
  reconnecting: string;

  doneTitle: string;
  doneBody: string;
  doneRedirecting: string;
  doneContinue: string;
  doneClose: string;

  deniedTitle: string;
  deniedBody: string;
  hintChromeDesktop: string;
  hintChromeAndroid: string;
  hintSafariIos: string;
  hintSafariMac: string;
  hintFirefox: string;
  hintEdge: string;
  hintSamsung: string;
  hintInApp: string;
  hintGeneric: string;
  noCameraTitle: string;
  noCameraBody: string;
  cameraBusyTitle: string;
  cameraBusyBody: string;
  unsupportedTitle: string;
  unsupportedBody: string;
  retryCamera: string;

  notFoundTitle: string;
  notFoundBody: string;
  expiredTitle: string;
  expiredBody: string;
  finishedTitle: string;
  finishedBody: string;
  noAttemptsTitle: string;
  noAttemptsBody: string;
  pausedTitle: string;
  pausedBody: string;
  supersededTitle: string;
  supersededBody: string;
  noFaceTitle: string;
  noFaceBody: string;
  networkTitle: string;
  networkBody: string;
  failedTitle: string;
  failedBody: string;
  tryAgain: string;
  attemptsLeftOne: string;
  attemptsLeftOther: string;
  attemptsLeftNone: string;
}

export type MessageKey = keyof Messages;

/** Fills `{name}` placeholders. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
