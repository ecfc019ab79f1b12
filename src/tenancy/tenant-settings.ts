// Per-tenant settings, set by the admin (and, for branding, by the tenant in its console): the capture
// page's name, logo and accent colour, the origins allowed to embed the page in a frame, and the
// threshold for checks created without one.
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { LivecheckError } from '../errors.js';
import { CAPTURE_ID_PATTERN, hashSecret } from '../security/secrets.js';
import { type AuditActor, recordAudit } from '../store/audit-log.js';
import type { Database } from '../store/schema.js';
import { findLogo, findTenantOfCapture, findTenantSettings, findTenantSettingsLite, upsertTenantSettings } from '../store/tenant-settings.js';
import { ACCENT_PATTERN, accentPalette, accentStylesheetName } from './accent-colour.js';
import { LOGO_URL_PREFIX, type TenantLogo, logoUrl, normaliseLogo } from './tenant-logo.js';
import { assertTenantName } from './tenant-name.js';

export const MAX_FRAME_ANCESTORS = 10;
export const MAX_DISPLAY_NAME = 80;

/** https, a DNS name (letters, digits, hyphens, dots), an optional port: nothing a CSP could misread. */
const ORIGIN_PATTERN = /^https:\/\/[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/;

export interface TenantSettingsInput {
  display_name?: string | null | undefined;
  accent_color?: string | null | undefined;
  /** A PNG or JPEG data URI to replace the logo, the current logo URL to keep it, null or absent for none. */
  logo?: string | null | undefined;
  frame_ancestors?: string[] | undefined;
  default_threshold?: number | null | undefined;
}

export interface TenantSettingsView {
  tenant: string;
  display_name: string | null;
  accent_color: string | null;
  /** The shades the page really uses, adjusted for contrast, or null without an accent colour. */
  accent_applied: { light: string; dark: string } | null;
  logo: string | null;
  frame_ancestors: string[];
  default_threshold: number | null;
  updated_at: string | null;
}

/** What the capture page shows and sends for one link; empty for unknown links and unset tenants. */
export interface PageBranding {
  displayName?: string;
  logoUrl?: string;
  /** Same-origin stylesheet setting the accent custom properties (no inline style under the CSP). */
  accentStylesheetUrl?: string;
  /** Origins allowed to frame the page; none means `frame-ancestors 'none'`. */
  frameAncestors: string[];
}

function invalid(message: string): LivecheckError {
  return new LivecheckError('invalid_request', message);
}

export function normaliseOrigin(value: string, where: string): string {
  const lower = value.toLowerCase();
  const port = /:(\d+)$/.exec(lower)?.[1];
  let origin: string | undefined;
  try {
    origin = new URL(lower).origin;
  } catch {
    origin = undefined;
  }
  // The URL parser drops a default :443 and a trailing slash; the stored origin must be exactly what CSP gets.
  if (!ORIGIN_PATTERN.test(lower) || origin !== lower || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) {
    const hint = origin && origin !== lower && origin.startsWith('https://') && ORIGIN_PATTERN.test(origin) ? ` (did you mean ${origin}?)` : '';
    throw invalid(`${where}: "${value.slice(0, 100)}" is not an origin of the form https://host or https://host:port, without path or wildcard${hint}`);
  }
  return lower;
}

function normaliseDisplayName(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const name = value.trim().replace(/\s+/g, ' ');
  if (name.length === 0 || name.length > MAX_DISPLAY_NAME || /[\u0000-\u001f\u007f\u2028\u2029]/.test(name)) {
    throw invalid(`display_name must be 1-${MAX_DISPLAY_NAME} characters of text`);
  }
  return name;
}

function normaliseAncestors(values: string[] | undefined): string[] {
  const list = values ?? [];
  if (list.length > MAX_FRAME_ANCESTORS) throw invalid(`frame_ancestors takes at most ${MAX_FRAME_ANCESTORS} origins`);
  return [...new Set(list.map((v, i) => normaliseOrigin(v, `frame_ancestors[${i}]`)))];
}

export class TenantSettings {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async get(tenant: string): Promise<TenantSettingsView> {
    assertTenantName(tenant);
    const row = await findTenantSettingsLite(this.db, tenant);
    if (!row) {
      return { tenant, display_name: null, accent_color: null, accent_applied: null, logo: null, frame_ancestors: [], default_threshold: null, updated_at: null };
    }
    return this.view(row);
  }

  /**
   * Replaces every setting (PUT): a field left out goes back to its default. Audit-logged as `actor`:
   * the admin API, or a tenant from its console session.
   */
  async replace(tenant: string, input: TenantSettingsInput, actor: AuditActor = 'admin'): Promise<TenantSettingsView> {
    assertTenantName(tenant);
    const displayName = normaliseDisplayName(input.display_name);
    const accent = input.accent_color ?? null;
    if (accent !== null && !ACCENT_PATTERN.test(accent)) throw invalid('accent_color must be a #rrggbb colour');
    const ancestors = normaliseAncestors(input.frame_ancestors);
    const threshold = input.default_threshold ?? null;
    if (threshold !== null && !(threshold >= 0 && threshold <= 1)) throw invalid('default_threshold must be between 0 and 1');

    const current = await findTenantSettings(this.db, tenant);
    let logo: TenantLogo | null = null;
    if (typeof input.logo === 'string') {
      if (input.logo.startsWith(LOGO_URL_PREFIX)) {
        // Round trip: the URL GET showed keeps the current logo.
        if (!current?.logo_hash || !current.logo_png || input.logo !== logoUrl(current.logo_hash)) {
          throw invalid('logo: that is not this tenant’s current logo; send the image as a data URI');
        }
        logo = { hash: current.logo_hash, png: current.logo_png };
      } else {
        logo = await normaliseLogo(input.logo);
      }
    }

    const now = this.clock.now();
    const row = {
      tenant,
      display_name: displayName,
      accent_color: accent === null ? null : accent.toLowerCase(),
      logo_hash: logo?.hash ?? null,
      logo_png: logo?.png ?? null,
      frame_ancestors: JSON.stringify(ancestors),
      default_threshold: threshold,
      updated_at: now,
    };
    const changed = (['display_name', 'accent_color', 'logo_hash', 'frame_ancestors', 'default_threshold'] as const).filter(
      (field) => (current?.[field] ?? null) !== row[field] && !(field === 'frame_ancestors' && current === undefined && ancestors.length === 0),
    );
    await this.db.transaction().execute(async (trx) => {
      await upsertTenantSettings(trx, row);
      // Who allowed which origin to frame the page, and when: the part of branding that is about security.
      await recordAudit(
        trx,
        {
          actor,
          action: 'tenant_settings.update',
          subject: tenant,
          details: { changed: changed.map((f) => (f === 'logo_hash' ? 'logo' : f)).join(','), frame_ancestors: ancestors.join(' '), logo: row.logo_hash, default_threshold: threshold },
        },
        now,
      );
    });
    return this.view(row);
  }

  /** The logo PNG with this hash, whichever tenant it belongs to (logos are public). */
  logo(hash: string): Promise<Buffer | undefined> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return Promise.resolve(undefined);
    return findLogo(this.db, hash);
  }

  /** The tenant's default threshold for new checks, when one is set. */
  async defaultThreshold(tenant: string): Promise<number | undefined> {
    const row = await findTenantSettingsLite(this.db, tenant);
    return row?.default_threshold ?? undefined;
  }

  async brandingForCapture(captureId: string): Promise<PageBranding> {
    if (!CAPTURE_ID_PATTERN.test(captureId)) return { frameAncestors: [] };
    const tenant = await findTenantOfCapture(this.db, hashSecret(captureId));
    const row = tenant === undefined ? undefined : await findTenantSettingsLite(this.db, tenant);
    if (!row) return { frameAncestors: [] };
    return {
      frameAncestors: JSON.parse(row.frame_ancestors) as string[],
      ...(row.display_name !== null ? { displayName: row.display_name } : {}),
      ...(row.logo_hash !== null ? { logoUrl: logoUrl(row.logo_hash) } : {}),
      ...(row.accent_color !== null ? { accentStylesheetUrl: `/branding/accent/${accentStylesheetName(row.accent_color)}` } : {}),
    };
  }

  private view(row: { tenant: string; display_name: string | null; accent_color: string | null; logo_hash: string | null; frame_ancestors: string; default_threshold: number | null; updated_at: number }): TenantSettingsView {
    const palette = row.accent_color === null ? undefined : accentPalette(row.accent_color);
    return {
      tenant: row.tenant,
      display_name: row.display_name,
      accent_color: row.accent_color,
      accent_applied: palette ? { light: palette.light.accent, dark: palette.dark.accent } : null,
      logo: row.logo_hash === null ? null : logoUrl(row.logo_hash),
      frame_ancestors: JSON.parse(row.frame_ancestors) as string[],
      default_threshold: row.default_threshold === null ? null : Number(row.default_threshold),
      updated_at: new Date(Number(row.updated_at)).toISOString(),
    };
  }
}
