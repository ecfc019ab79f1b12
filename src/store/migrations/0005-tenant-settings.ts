// Per-tenant settings: how the hosted capture page looks (name, logo, accent colour), which origins
// may embed it in a frame, and the threshold a check gets when its creator names none. The logo is
// kept here already re-encoded (src/tenancy/tenant-logo.ts) and served by its content hash.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function tenantSettings(dialect: Dialect): Migration {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tenant_settings')
        .addColumn('tenant', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text')
        // #rrggbb as the tenant chose it; the page derives readable variants from it.
        .addColumn('accent_color', 'text')
        // Hex SHA-256 of logo_png: the logo's public URL, so a new logo is a new URL.
        .addColumn('logo_hash', 'text')
        .addColumn('logo_png', bytes)
        // JSON array of https origins allowed as frame-ancestors; [] means the page cannot be framed.
        .addColumn('frame_ancestors', 'text', (c) => c.notNull())
        .addColumn('default_threshold', real)
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tenant_settings_logo').on('tenant_settings').column('logo_hash').execute();
    },
  };
}
