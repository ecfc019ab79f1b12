// Builds DOM without innerHTML: the console runs under a strict CSP and never parses markup.

export type Child = Node | string | false | null | undefined;

export interface Props {
  class?: string;
  attrs?: Record<string, string>;
  on?: Partial<Record<'click' | 'submit' | 'change' | 'input', (event: Event) => void>>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  for (const [type, listener] of Object.entries(props.on ?? {})) if (listener) element.addEventListener(type, listener);
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Array<SVGElement | string>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children) element.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  return element;
}

/** A labelled form field; the label wraps nothing so that the input's id ties them. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { attrs: { for: id } }, label), control, hint ? h('small', {}, hint) : null);
}

export function select(name: string, options: Array<[string, string]>, value: string): HTMLSelectElement {
  const element = h('select', { attrs: { name } }, ...options.map(([v, text]) => h('option', { attrs: { value: v } }, text)));
  element.value = value;
  return element;
}
