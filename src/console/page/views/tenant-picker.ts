// The admin's choice of tenant (a tenant session is fixed to its own).
import { type Session, call } from '../api.js';
import { field, h, select } from '../dom.js';
import { t } from '../i18n.js';

export async function tenantPicker(session: Session, value: string, allowAll: boolean, onChange: (tenant: string) => void): Promise<HTMLElement | null> {
  if (session.principal !== 'admin') return null;
  const { tenants } = await call<{ tenants: string[] }>('GET', '/console/api/tenants');
  const options: Array<[string, string]> = [...(allowAll ? [['', t.allTenants] as [string, string]] : []), ...tenants.map((name): [string, string] => [name, name])];
  const control = select('tenant', options, value);
  control.addEventListener('change', () => onChange(control.value));
  return h('div', { class: 'tenant-picker' }, field(t.tenant, control));
}
