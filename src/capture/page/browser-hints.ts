// Which "how to allow the camera" instructions fit the browser the person is using.
import type { MessageKey } from './i18n/messages.js';

export function permissionHintKey(userAgent: string, maxTouchPoints: number): MessageKey {
  if (/FBAN|FBAV|Instagram|Line\/|MicroMessenger|Snapchat|TikTok|musical_ly|Twitter|LinkedInApp|; wv\)/.test(userAgent)) return 'hintInApp';
  const iOS = /iPhone|iPad|iPod/.test(userAgent) || (/Macintosh/.test(userAgent) && maxTouchPoints > 1);
  if (iOS) return 'hintSafariIos';
  if (/SamsungBrowser/.test(userAgent)) return 'hintSamsung';
  if (/Edg\//.test(userAgent)) return 'hintEdge';
  if (/Firefox\//.test(userAgent)) return 'hintFirefox';
  if (/Chrome\//.test(userAgent)) return /Android/.test(userAgent) ? 'hintChromeAndroid' : 'hintChromeDesktop';
  if (/Safari\//.test(userAgent) && /Macintosh/.test(userAgent)) return 'hintSafariMac';
  return 'hintGeneric';
}
