// The slice of the browser's DOM the console's page uses, typed here, plus a tiny element builder. The project's
// TypeScript program has no DOM library (adding it would retype fetch and timers for all the Node code), so the
// page reaches `document` and `window` through these types instead. Only app.ts (bundled for the browser) uses it.

export interface DomEvent {
  readonly type: string;
  readonly target: unknown;
  preventDefault(): void;
  stopPropagation(): void;
}

export interface DomMouseEvent extends DomEvent {
  readonly clientX: number;
  readonly clientY: number;
  readonly button: number;
  readonly pointerId: number;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
}

export interface DomWheelEvent extends DomMouseEvent {
  readonly deltaY: number;
}

export interface DomKeyboardEvent extends DomEvent {
  readonly key: string;
}

interface EventMap {
  click: DomMouseEvent;
  dblclick: DomMouseEvent;
  pointerdown: DomMouseEvent;
  pointermove: DomMouseEvent;
  pointerup: DomMouseEvent;
  pointercancel: DomMouseEvent;
  wheel: DomWheelEvent;
  keydown: DomKeyboardEvent;
  input: DomEvent;
  change: DomEvent;
  submit: DomEvent;
  close: DomEvent;
  hashchange: DomEvent;
  visibilitychange: DomEvent;
}

export type EventName = keyof EventMap;

export interface ClassList {
  add(...tokens: string[]): void;
  remove(...tokens: string[]): void;
  toggle(token: string, force?: boolean): boolean;
  contains(token: string): boolean;
}

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly width: number;
  readonly height: number;
}

export interface El {
  readonly tagName: string;
  id: string;
  className: string;
  readonly classList: ClassList;
  textContent: string | null;
  innerHTML: string;
  title: string;
  readonly dataset: Record<string, string | undefined>;
  readonly style: { setProperty(name: string, value: string): void; removeProperty(name: string): string };
  readonly children: ArrayLike<El>;
  readonly parentElement: El | null;
  readonly clientWidth: number;
  readonly clientHeight: number;
  scrollTop: number;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
  toggleAttribute(name: string, force?: boolean): boolean;
  append(...nodes: Array<El | string>): void;
  replaceChildren(...nodes: Array<El | string>): void;
  remove(): void;
  querySelector(selectors: string): El | null;
  querySelectorAll(selectors: string): ArrayLike<El> & Iterable<El>;
  closest(selectors: string): El | null;
  contains(other: El | null): boolean;
  addEventListener<K extends EventName>(type: K, listener: (event: EventMap[K]) => void, options?: { passive?: boolean }): void;
  getBoundingClientRect(): Rect;
  scrollIntoView(options?: { block?: 'nearest' | 'center' | 'start'; behavior?: 'auto' | 'smooth' }): void;
  focus(): void;
  setPointerCapture(pointerId: number): void;
}

export interface InputEl extends El {
  value: string;
  checked: boolean;
  disabled: boolean;
}

export interface DialogEl extends El {
  readonly open: boolean;
  showModal(): void;
  close(): void;
}

interface Doc {
  readonly body: El;
  title: string;
  readonly visibilityState: string;
  createElement(tag: string): El;
  createElementNS(namespace: string, tag: string): El;
  getElementById(id: string): El | null;
  querySelector(selectors: string): El | null;
  querySelectorAll(selectors: string): ArrayLike<El> & Iterable<El>;
  addEventListener<K extends EventName>(type: K, listener: (event: EventMap[K]) => void): void;
}

interface Win {
  readonly location: { hash: string; readonly origin: string };
  readonly history: { replaceState(data: unknown, unused: string, url: string): void };
  addEventListener<K extends EventName>(type: K, listener: (event: EventMap[K]) => void): void;
  confirm(message: string): boolean;
  requestAnimationFrame(callback: () => void): number;
}

const browser = globalThis as unknown as { document: Doc; window: Win };
export const doc: Doc = browser.document;
export const win: Win = browser.window;

type Attr = string | number | boolean | null | undefined;
export type Child = El | string | number | null | undefined | false | Child[];
type Listener = (event: never) => void;
export type Attrs = Record<string, Attr | Listener>;

function appendChildren(parent: El, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendChildren(parent, child);
    else parent.append(typeof child === 'number' ? String(child) : child);
  }
}

/** Replaces an element's children with `children` (skipping the empty ones, flattening lists). */
export function setChildren(parent: El, ...children: Child[]): void {
  parent.replaceChildren();
  appendChildren(parent, children);
}

/**
 * An element: `h('td', { class: 'num', onclick: () => ... }, 'text', child)`. Keys starting with `on` and a function
 * are listeners; `false`, `null` and `undefined` leave an attribute out, `true` sets it empty.
 */
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): El {
  const element = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2) as EventName, value as (event: DomEvent) => void);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  appendChildren(element, children);
  return element;
}

/** An element of the SVG namespace (the legend's swatches, the graph's own markers). */
export function svg(tag: string, attrs: Record<string, Attr> = {}, ...children: El[]): El {
  const element = doc.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}
