// The local console's page: the executions list (live, filtered, paged), one execution in three synced views
// (the workflow graph with its path lit, the timeline of states with retries and backoff waits, the AWS-format
// event list), the step panel, the order panel, and the actions (place an order, Stop, Redrive, Export). Bundled by
// esbuild for the browser (local/console/assets.ts); it talks only to the console API on its own origin and to
// POST /orders.
import type { Order } from '../../domain/order.ts';
import { formatMoney } from '../../domain/money.ts';
import type { HistoryEvent } from '../engine/executionHistory.ts';
import type { OutboxMessage } from '../stack/outbox.ts';
import { doc, h, setChildren, svg, win, type Child, type DialogEl, type El, type InputEl } from './dom.ts';
import {
  buildExecutionView,
  eventDetails,
  EXECUTION_STATUSES,
  ORDER_PATH_LABELS,
  STEP_STATUS_LABELS,
  STEP_STATUSES,
  type ExecutionStatus,
  type ExecutionView,
  type OrderPath,
  type StepStatus,
  type StepView,
} from './executionModel.ts';
import type { ExecutionDetail, ExecutionsPage } from './server.ts';
import { workflowSvg } from './workflowGraph.ts';

// --- what the console API answers -----------------------------------------------------------------------------

interface ConsoleConfig {
  stateMachine: { name: string; arn: string; definition: unknown };
  region: string;
  stage: string;
  cardTokens: Array<{ token: string; label: string; outcome: string }>;
  token: string;
  pageSize: number;
  redrive: { command: string };
}

interface CatalogItem {
  sku: string;
  name: string;
  unitPrice: number;
  currency: string;
  available: number;
}

interface Authorization {
  authorizationId: string;
  amount: number;
  currency: string;
  status: string;
  createdAt?: string;
  voidedAt?: string;
}

interface OrderRecords {
  orderId: string;
  order: (Order & { payment?: Order['payment'] & { voidedAt?: string }; stockReservation?: Order['stockReservation'] & { releasedAt?: string } }) | null;
  authorization: Authorization | null;
  notifications: OutboxMessage[];
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; details?: Array<{ path: string; message: string }> },
  ) {
    super(body.message ?? `HTTP ${status}`);
  }
}

async function request<T>(url: string, init?: { method?: string; body?: string; headers?: Record<string, string> }): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text };
  }
  if (!response.ok) throw new ApiError(response.status, body as ApiError['body']);
  return body as T;
}

const API = '/_console/api';

// --- formatting -----------------------------------------------------------------------------------------------

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function clock(at: number | string): string {
  const date = new Date(at);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function dateTime(at: number | string): string {
  const date = new Date(at);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clock(at)}`;
}

function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function prettyJson(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

const STATUS_LABELS: Record<ExecutionStatus, string> = {
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  TIMED_OUT: 'Timed out',
  ABORTED: 'Aborted',
};

const statusPill = (status: ExecutionStatus) => h('span', { class: `pill exec-${status}`, 'data-exec-status': status }, STATUS_LABELS[status]);
const pathChip = (path: OrderPath) => h('span', { class: `path path-${path}`, 'data-path': path }, ORDER_PATH_LABELS[path]);
const stepPill = (status: StepStatus) => h('span', { class: `pill step st-${status}`, 'data-step-status': status }, STEP_STATUS_LABELS[status]);

function shortId(name: string): string {
  return name.length > 24 ? `${name.slice(0, 13)}…${name.slice(-8)}` : name;
}

/** What a task called, in words: the function, the API route, the table or topic. */
function resourceTarget(step: StepView): string | undefined {
  const parameters = parseJson(step.resource?.parameters) as Record<string, unknown> | undefined;
  if (!parameters || typeof parameters !== 'object') return undefined;
  if (typeof parameters.FunctionName === 'string') return parameters.FunctionName;
  if (typeof parameters.Method === 'string' && typeof parameters.Path === 'string') {
    return `${parameters.Method} ${parameters.Path}${typeof parameters.ApiEndpoint === 'string' ? ` on ${parameters.ApiEndpoint}` : ''}`;
  }
  if (typeof parameters.TableName === 'string') return `table ${parameters.TableName}`;
  if (typeof parameters.TopicArn === 'string') return parameters.TopicArn;
  return undefined;
}

// --- the page's state -------------------------------------------------------------------------------------------

const state: {
  config?: ConsoleConfig;
  list: { status: string; path: string; q: string; page: number; data?: ExecutionsPage; error?: string };
  selected?: string;
  detail?: ExecutionDetail;
  view?: ExecutionView;
  detailError?: string;
  order?: OrderRecords;
  orderError?: string;
  step?: number;
  /** The user picked the step: live updates keep it. Otherwise the panel follows the step worth seeing. */
  stepPinned: boolean;
  eventsPage: number;
  expandedEvents: Set<number>;
  live: 'connecting' | 'live' | 'offline';
  apiKey?: string;
} = { list: { status: '', path: '', q: '', page: 1 }, stepPinned: false, eventsPage: 1, expandedEvents: new Set(), live: 'connecting' };

const EVENTS_PAGE_SIZE = 25;

const byId = (id: string): El => {
  const element = doc.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
};

// --- the graph ---------------------------------------------------------------------------------------------------

/** The workflow picture of workflowGraph.ts, in a viewport that fits, zooms (wheel, buttons) and pans (drag). */
class GraphView {
  readonly element: El;
  private readonly svgElement: El;
  private readonly full: { width: number; height: number };
  private box: { x: number; y: number; width: number; height: number };
  private drag?: { x: number; y: number; box: { x: number; y: number } };
  /** Set once the user zooms or pans: live updates then leave the view where it is. */
  private moved = false;
  private readonly edgesByPair = new Map<string, El[]>();
  onSelect: (state: string) => void = () => {};

  constructor(definition: unknown) {
    const viewport = h('div', { class: 'graph-viewport', 'data-testid': 'graph' });
    viewport.innerHTML = workflowSvg(definition, { idPrefix: 'wf' });
    const root = viewport.querySelector('svg');
    if (!root) throw new Error('workflowSvg drew no <svg>');
    this.svgElement = root;
    this.full = { width: Number(root.getAttribute('width')), height: Number(root.getAttribute('height')) };
    root.removeAttribute('width');
    root.removeAttribute('height');
    root.setAttribute('preserveAspectRatio', 'xMidYMid meet');
    root.classList.add('workflow-svg');
    this.box = { x: 0, y: 0, ...this.full };
    this.apply();
    for (const edge of root.querySelectorAll('g.edge, g.edge-label')) {
      const key = `${edge.getAttribute('data-from')}->${edge.getAttribute('data-to')}`;
      this.edgesByPair.set(key, [...(this.edgesByPair.get(key) ?? []), edge]);
    }
    const controls = h(
      'div',
      { class: 'graph-controls' },
      h('button', { class: 'icon-btn', type: 'button', title: 'Zoom in', 'aria-label': 'Zoom in', onclick: () => this.zoom(1 / 1.3) }, '+'),
      h('button', { class: 'icon-btn', type: 'button', title: 'Zoom out', 'aria-label': 'Zoom out', onclick: () => this.zoom(1.3) }, '−'),
      h('button', { class: 'icon-btn wide', type: 'button', title: 'Fit the states this execution reached', onclick: () => this.fitReached(true) }, 'Path'),
      h('button', { class: 'icon-btn wide', type: 'button', title: 'Fit the whole workflow', onclick: () => this.fit(true) }, 'All'),
    );
    this.element = h('div', { class: 'graph' }, viewport, controls);

    viewport.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        const point = this.toSvg(event.clientX, event.clientY);
        this.zoom(event.deltaY > 0 ? 1.15 : 1 / 1.15, point);
      },
      { passive: false },
    );
    viewport.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      this.drag = { x: event.clientX, y: event.clientY, box: { x: this.box.x, y: this.box.y } };
    });
    viewport.addEventListener('pointermove', (event) => {
      if (!this.drag) return;
      const scale = this.scale();
      const dx = (event.clientX - this.drag.x) / scale;
      const dy = (event.clientY - this.drag.y) / scale;
      if (Math.abs(dx) + Math.abs(dy) > 2) {
        viewport.classList.add('dragging');
        this.moved = true;
      }
      this.box.x = this.drag.box.x - dx;
      this.box.y = this.drag.box.y - dy;
      this.apply();
    });
    const endDrag = () => {
      this.drag = undefined;
      win.requestAnimationFrame(() => viewport.classList.remove('dragging'));
    };
    viewport.addEventListener('pointerup', endDrag);
    viewport.addEventListener('pointercancel', endDrag);
    viewport.addEventListener('click', (event) => {
      if (viewport.classList.contains('dragging')) return;
      const node = (event.target as El | null)?.closest?.('g.state');
      const name = node?.getAttribute('data-state');
      if (name) this.onSelect(name);
    });
  }

  private scale(): number {
    const rect = this.svgElement.getBoundingClientRect();
    return Math.min(rect.width / this.box.width, rect.height / this.box.height) || 1;
  }

  private toSvg(clientX: number, clientY: number): { x: number; y: number } {
    const rect = this.svgElement.getBoundingClientRect();
    const scale = this.scale();
    const offsetX = (rect.width - this.box.width * scale) / 2;
    const offsetY = (rect.height - this.box.height * scale) / 2;
    return { x: this.box.x + (clientX - rect.left - offsetX) / scale, y: this.box.y + (clientY - rect.top - offsetY) / scale };
  }

  private apply(): void {
    const { x, y, width, height } = this.box;
    this.svgElement.setAttribute('viewBox', `${x.toFixed(1)} ${y.toFixed(1)} ${width.toFixed(1)} ${height.toFixed(1)}`);
  }

  fit(byUser = false): void {
    this.moved = byUser;
    this.box = { x: 0, y: 0, ...this.full };
    this.apply();
  }

  /** Back to the picture as a whole, for the next execution: its first lighting fits its path. */
  reset(): void {
    this.fit();
  }

  /**
   * Fits the states the lit execution reached, with a margin, never closer than the picture's own size (1:1); the
   * whole picture when nothing is lit. Live updates call it with `byUser` false, which does nothing once the user
   * has zoomed or panned.
   */
  fitReached(byUser = false): void {
    if (!byUser && this.moved) return;
    const rect = this.svgElement.getBoundingClientRect();
    const reached = [...this.svgElement.querySelectorAll('g.state[data-status]')].filter((node) => node.getAttribute('data-status') !== 'notReached');
    if (rect.width === 0 || reached.length === 0) {
      this.fit(byUser);
      return;
    }
    this.moved = byUser;
    const boxes = reached.map((node) => node.getBoundingClientRect());
    const topLeft = this.toSvg(Math.min(...boxes.map((b) => b.left)), Math.min(...boxes.map((b) => b.top)));
    const bottomRight = this.toSvg(Math.max(...boxes.map((b) => b.right)), Math.max(...boxes.map((b) => b.bottom)));
    const margin = 40;
    const box = { x: topLeft.x - margin, y: topLeft.y - margin, width: bottomRight.x - topLeft.x + 2 * margin, height: bottomRight.y - topLeft.y + 2 * margin };
    const grow = (key: 'width' | 'height', min: number) => {
      if (box[key] >= min) return;
      box[key === 'width' ? 'x' : 'y'] -= (min - box[key]) / 2;
      box[key] = min;
    };
    grow('width', rect.width);
    grow('height', rect.height);
    this.box = box;
    this.apply();
  }

  zoom(factor: number, around?: { x: number; y: number }): void {
    this.moved = true;
    const width = Math.min(this.full.width * 1.5, Math.max(this.full.width / 12, this.box.width * factor));
    const height = (width / this.box.width) * this.box.height;
    const centre = around ?? { x: this.box.x + this.box.width / 2, y: this.box.y + this.box.height / 2 };
    this.box = {
      x: centre.x - ((centre.x - this.box.x) * width) / this.box.width,
      y: centre.y - ((centre.y - this.box.y) * height) / this.box.height,
      width,
      height,
    };
    this.apply();
  }

  /** Lights an execution's path (or clears it): each state by its status, each transition taken. */
  light(view: ExecutionView | undefined, selected: string | undefined): void {
    const root = this.svgElement;
    root.classList.toggle('lit', view !== undefined);
    for (const node of root.querySelectorAll('g.state')) {
      const name = node.getAttribute('data-state') ?? '';
      if (view) node.setAttribute('data-status', view.stateStatus[name] ?? 'notReached');
      else node.removeAttribute('data-status');
      node.toggleAttribute('data-selected', name === selected);
    }
    for (const edge of root.querySelectorAll('g.edge, g.edge-label')) edge.removeAttribute('data-lit');
    if (!view) return;
    const start = root.querySelector('g.edge-start');
    if (start && view.steps.length > 0) start.setAttribute('data-lit', 'ok');
    for (const transition of view.transitions) {
      const candidates = this.edgesByPair.get(`${transition.from}->${transition.to}`) ?? [];
      // A Catch edge and a Next edge can join the same two states: light the one that was taken.
      const wanted = candidates.filter((edge) => (edge.getAttribute('data-kind') === 'catch') === transition.viaCatch);
      const taken = wanted.length > 0 ? wanted : candidates;
      const edgeIds = new Set(taken.filter((edge) => edge.classList.contains('edge')).map((edge) => edge.getAttribute('data-edge')));
      for (const edge of candidates) {
        if (taken.includes(edge) || edgeIds.has(edge.getAttribute('data-edge'))) edge.setAttribute('data-lit', transition.afterCatch ? 'caught' : 'ok');
      }
    }
  }
}

/** The legend of the lit graph: each step status with its colour, and the two kinds of lit transition. */
function legend(): El {
  return h(
    'ul',
    { class: 'legend', 'data-testid': 'legend' },
    STEP_STATUSES.map((status) => h('li', { 'data-status': status }, h('span', { class: `swatch st-${status}` }), STEP_STATUS_LABELS[status])),
    h('li', { class: 'legend-edge', 'data-edge': 'ok' }, h('span', { class: 'edge-swatch ok' }), 'Transition taken'),
    h('li', { class: 'legend-edge', 'data-edge': 'caught' }, h('span', { class: 'edge-swatch caught' }), 'Taken after a caught error'),
  );
}

let graph: GraphView | undefined;

// --- the executions list ---------------------------------------------------------------------------------------

let listTimer: ReturnType<typeof setTimeout> | undefined;

function listQuery(): string {
  const query = new URLSearchParams();
  if (state.list.status) query.set('status', state.list.status);
  if (state.list.path) query.set('path', state.list.path);
  if (state.list.q.trim()) query.set('q', state.list.q.trim());
  if (state.list.page > 1) query.set('page', String(state.list.page));
  return query.toString();
}

async function loadList(): Promise<void> {
  try {
    const query = listQuery();
    state.list.data = await request<ExecutionsPage>(`${API}/executions${query ? `?${query}` : ''}`);
    state.list.page = state.list.data.page;
    state.list.error = undefined;
  } catch (error) {
    state.list.error = (error as Error).message;
  }
  renderList();
}

function scheduleListLoad(delay = 150): void {
  if (listTimer) clearTimeout(listTimer);
  listTimer = setTimeout(() => void loadList(), delay);
}

function renderListControls(): El {
  const counts = state.list.data?.counts;
  const statusSelect = h(
    'select',
    {
      id: 'filter-status',
      'aria-label': 'Filter by status',
      onchange: (event: { target: InputEl }) => {
        state.list.status = event.target.value;
        state.list.page = 1;
        void loadList();
      },
    },
    h('option', { value: '' }, `All statuses${counts ? ` (${counts.ALL})` : ''}`),
    EXECUTION_STATUSES.map((status) =>
      h('option', { value: status, selected: state.list.status === status }, `${STATUS_LABELS[status]}${counts ? ` (${counts[status]})` : ''}`),
    ),
  ) as InputEl;
  const pathSelect = h(
    'select',
    {
      id: 'filter-path',
      'aria-label': 'Filter by path',
      onchange: (event: { target: InputEl }) => {
        state.list.path = event.target.value;
        state.list.page = 1;
        void loadList();
      },
    },
    h('option', { value: '' }, 'Any path'),
    (['confirmed', 'declined', 'outOfStock', 'invalid', 'failed', 'stopped', 'running'] as OrderPath[]).map((path) =>
      h('option', { value: path, selected: state.list.path === path }, ORDER_PATH_LABELS[path]),
    ),
  );
  const search = h('input', {
    id: 'search',
    type: 'search',
    placeholder: 'Search by order id',
    'aria-label': 'Search by order id',
    value: state.list.q,
    spellcheck: 'false',
    autocomplete: 'off',
    oninput: (event: { target: InputEl }) => {
      state.list.q = event.target.value;
      state.list.page = 1;
      scheduleListLoad(200);
    },
  });
  return h('div', { class: 'list-controls' }, search, h('div', { class: 'filters' }, statusSelect, pathSelect));
}

function renderList(): void {
  const sidebar = byId('sidebar');
  const data = state.list.data;
  // The controls are built once, so typing in the search box keeps its focus while the list reloads.
  let controls = sidebar.querySelector('.list-controls');
  if (!controls) {
    controls = renderListControls();
    sidebar.replaceChildren(
      h('div', { class: 'sidebar-head' }, h('h2', {}, 'Executions'), h('span', { class: 'muted', id: 'list-total' })),
      controls,
      h('div', { class: 'exec-list', id: 'exec-list', role: 'list' }),
      h('div', { class: 'pager', id: 'list-pager' }),
    );
  } else {
    const counts = data?.counts;
    const options = controls.querySelectorAll('#filter-status option');
    for (const option of options) {
      const value = option.getAttribute('value') as ExecutionStatus | '';
      if (counts) option.textContent = value ? `${STATUS_LABELS[value]} (${counts[value]})` : `All statuses (${counts.ALL})`;
    }
  }
  byId('list-total').textContent = data ? `${data.total.toLocaleString('en-US')} shown of ${data.counts.ALL.toLocaleString('en-US')}` : '';
  const list = byId('exec-list');
  if (state.list.error) {
    list.replaceChildren(h('p', { class: 'error-text' }, state.list.error));
  } else if (data && data.items.length === 0) {
    list.replaceChildren(h('p', { class: 'empty' }, data.counts.ALL === 0 ? 'No executions yet. Place an order to start one.' : 'No execution matches.'));
  } else if (data) {
    list.replaceChildren(
      ...data.items.map((item) =>
        h(
          'a',
          {
            class: `exec-row${item.name === state.selected ? ' selected' : ''}`,
            href: `#/executions/${encodeURIComponent(item.name)}`,
            role: 'listitem',
            'data-name': item.name,
            'data-status': item.status,
            'data-path': item.path,
          },
          h('div', { class: 'row1' }, statusPill(item.status), item.status === 'RUNNING' ? null : pathChip(item.path), h('span', { class: 'dur' }, duration(item.durationMs))),
          h(
            'div',
            { class: 'row2' },
            h('code', { class: 'exec-id', title: item.name }, shortId(item.name)),
            h('span', { class: 'muted' }, `${clock(item.startDate).slice(0, 8)} · ${item.transitions} transitions`),
          ),
          item.currentState ? h('div', { class: 'row3' }, h('span', { class: 'running-dot' }), item.currentState) : null,
        ),
      ),
    );
  }
  const pager = byId('list-pager');
  if (!data || data.total <= data.pageSize) {
    pager.replaceChildren();
    return;
  }
  const from = (data.page - 1) * data.pageSize + 1;
  const to = Math.min(data.total, data.page * data.pageSize);
  const go = (page: number) => () => {
    state.list.page = page;
    void loadList();
  };
  pager.replaceChildren(
    h('button', { class: 'btn small', type: 'button', disabled: data.page <= 1, onclick: go(data.page - 1), 'aria-label': 'Previous page' }, '‹ Prev'),
    h('span', { class: 'muted', 'data-testid': 'list-range' }, `${from.toLocaleString('en-US')}–${to.toLocaleString('en-US')} of ${data.total.toLocaleString('en-US')}`),
    h('button', { class: 'btn small', type: 'button', disabled: data.page >= data.pages, onclick: go(data.page + 1), 'aria-label': 'Next page' }, 'Next ›'),
  );
}

// --- one execution ------------------------------------------------------------------------------------------------

let loadSeq = 0;

async function loadExecution(name: string): Promise<void> {
  const seq = ++loadSeq;
  try {
    const detail = await request<ExecutionDetail>(`${API}/executions/${encodeURIComponent(name)}`);
    if (seq !== loadSeq || state.selected !== name) return;
    const first = state.detail?.name !== name;
    state.detail = detail;
    state.detailError = undefined;
    state.view = viewOf(detail);
    if (first || !state.stepPinned || state.step === undefined || state.step >= state.view.steps.length) {
      state.stepPinned = false;
      state.step = defaultStep(state.view);
      state.eventsPage = pageOfStep(state.view, state.step);
    }
    if (first) state.expandedEvents = new Set();
  } catch (error) {
    if (seq !== loadSeq) return;
    state.detail = undefined;
    state.view = undefined;
    state.detailError = error instanceof ApiError && error.status === 404 ? `No execution named ${name}.` : (error as Error).message;
  }
  renderMain();
  void loadOrder(name);
}

async function loadOrder(name: string): Promise<void> {
  try {
    const order = await request<OrderRecords>(`${API}/executions/${encodeURIComponent(name)}/order`);
    if (state.selected !== name) return;
    state.order = order;
    state.orderError = undefined;
  } catch (error) {
    if (state.selected !== name) return;
    state.order = undefined;
    state.orderError = (error as Error).message;
  }
  const panel = doc.getElementById('order-panel');
  if (panel) setChildren(panel, ...orderPanel());
}

function viewOf(detail: ExecutionDetail): ExecutionView {
  return buildExecutionView(
    { status: detail.status, startDate: detail.startDate, ...(detail.stopDate ? { stopDate: detail.stopDate } : {}), ...(detail.output !== undefined ? { output: detail.output } : {}) },
    detail.history,
  );
}

/**
 * The step worth looking at first: the one running (or stopped, when the execution stopped there), else the last
 * that failed or caught an error, else the last. A step stopped before a redrive is history by then.
 */
function defaultStep(view: ExecutionView): number | undefined {
  const last = view.steps.at(-1);
  if (!last) return undefined;
  const running = view.steps.findLast((step) => step.status === 'running') ?? (last.status === 'stopped' ? last : undefined);
  if (running) return running.index;
  const trouble = view.steps.findLast((step) => step.status === 'failed') ?? view.steps.find((step) => step.status === 'caught');
  return (trouble ?? view.steps.at(-1)!).index;
}

function pageOfStep(view: ExecutionView, index: number | undefined): number {
  const step = index === undefined ? undefined : view.steps[index];
  const detail = state.detail;
  if (!step || !detail) return 1;
  const position = detail.history.findIndex((event) => event.id === step.eventIds[0]);
  return position < 0 ? 1 : Math.floor(position / EVENTS_PAGE_SIZE) + 1;
}

function select(name: string | undefined): void {
  if (state.selected === name) return;
  state.selected = name;
  state.detail = undefined;
  state.view = undefined;
  state.order = undefined;
  state.step = undefined;
  state.stepPinned = false;
  state.eventsPage = 1;
  for (const row of doc.querySelectorAll('.exec-row')) row.classList.toggle('selected', row.getAttribute('data-name') === name);
  graph?.reset();
  renderMain();
  if (name) void loadExecution(name);
}

function selectStep(index: number | undefined, options: { jumpEvents?: boolean } = {}): void {
  const view = state.view;
  if (!view || index === undefined || !view.steps[index]) return;
  state.step = index;
  state.stepPinned = true;
  if (options.jumpEvents !== false) state.eventsPage = pageOfStep(view, index);
  syncSelection();
}

/** Re-renders what depends on the selected step: the graph's selection, the timeline row, the step panel, the events. */
function syncSelection(): void {
  const view = state.view;
  const step = state.step === undefined ? undefined : view?.steps[state.step];
  graph?.light(view, step?.name);
  for (const row of doc.querySelectorAll('.tl-row')) row.toggleAttribute('data-selected', Number(row.getAttribute('data-step')) === state.step);
  const stepPanelElement = doc.getElementById('step-panel');
  if (stepPanelElement) setChildren(stepPanelElement, ...stepPanel());
  const events = doc.getElementById('events-panel');
  if (events) setChildren(events, ...eventsPanel());
}

function renderMain(): void {
  const main = byId('main');
  if (!state.selected) {
    main.replaceChildren(homeView());
    graph?.light(undefined, undefined);
    return;
  }
  if (state.detailError) {
    main.replaceChildren(h('section', { class: 'card notice' }, h('h2', {}, 'Execution not found'), h('p', {}, state.detailError), h('a', { href: '#/' }, 'Back to the workflow')));
    return;
  }
  const detail = state.detail;
  const view = state.view;
  if (!detail || !view) {
    main.replaceChildren(h('section', { class: 'card notice' }, h('p', { class: 'muted' }, `Loading ${state.selected}…`)));
    return;
  }
  setChildren(
    main,
    executionHeader(detail, view),
    h(
      'div',
      { class: 'grid-graph' },
      h(
        'section',
        { class: 'card graph-card' },
        h('div', { class: 'card-head' }, h('h2', {}, 'Graph view'), h('span', { class: 'muted' }, 'Click a state to inspect it; scroll to zoom, drag to pan.')),
        legend(),
        graph?.element ?? h('p', {}, 'The workflow picture could not be drawn.'),
      ),
      h('section', { class: 'card step-card', id: 'step-panel', 'data-testid': 'step-panel' }, ...stepPanel()),
    ),
    h('section', { class: 'card timeline-card', 'data-testid': 'timeline' }, ...timeline(view)),
    h(
      'div',
      { class: 'grid-bottom' },
      h('section', { class: 'card events-card', id: 'events-panel', 'data-testid': 'events' }, ...eventsPanel()),
      h('section', { class: 'card order-card', id: 'order-panel', 'data-testid': 'order-panel' }, ...orderPanel()),
    ),
  );
  graph?.light(view, state.step === undefined ? undefined : view.steps[state.step]?.name);
  graph?.fitReached();
}

function homeView(): El {
  const config = state.config;
  return h(
    'div',
    { class: 'home' },
    h(
      'section',
      { class: 'card intro' },
      h('h1', {}, config ? config.stateMachine.name : 'order-pipeline'),
      h(
        'p',
        { class: 'muted' },
        'The state machine as deployed, drawn from its definition. Pick an execution on the left to see its path, its timeline and its events, or place an order.',
      ),
      h('button', { class: 'btn primary', type: 'button', onclick: () => void openOrderDialog() }, 'Place an order'),
    ),
    h('section', { class: 'card graph-card home-graph' }, h('div', { class: 'card-head' }, h('h2', {}, 'Workflow')), graph?.element ?? h('p', {}, 'Loading…')),
  );
}

function executionHeader(detail: ExecutionDetail, view: ExecutionView): El {
  const running = detail.status === 'RUNNING';
  const config = state.config;
  const stop = h(
    'button',
    {
      class: 'btn danger',
      type: 'button',
      id: 'stop-execution',
      disabled: !running,
      title: running ? 'StopExecution: the execution ends ABORTED' : `The execution is ${STATUS_LABELS[detail.status].toLowerCase()}`,
      onclick: () => void stopExecution(detail),
    },
    'Stop',
  );
  const exportLink = h(
    'a',
    {
      class: 'btn',
      id: 'export-execution',
      href: `${API}/executions/${encodeURIComponent(detail.name)}/export`,
      download: `execution-${detail.name}.json`,
      title: 'DescribeExecution and GetExecutionHistory in one JSON file',
    },
    'Export JSON',
  );
  // DescribeExecution's redriveStatus, as the server reads it: the same rule RedriveExecution applies.
  const redrivable = detail.redriveStatus === 'REDRIVABLE';
  const redriveCommand = (config?.redrive.command ?? 'npm run redrive -- <orderId>').replace('<orderId>', detail.name);
  const redrive = h(
    'button',
    {
      class: 'btn redrive',
      type: 'button',
      id: 'redrive-execution',
      disabled: !redrivable,
      title: redrivable ? `RedriveExecution: it runs again from ${detail.redriveFrom ?? 'the state it stopped in'}` : (detail.redriveStatusReason ?? 'It cannot be redriven'),
      'aria-describedby': 'redrive-note',
      onclick: () => void redriveExecution(detail),
    },
    'Redrive',
  );
  const meta: Array<[string, Child]> = [
    ['Status', statusPill(detail.status)],
    ['Path', pathChip(view.path)],
    ['Started', dateTime(detail.startDate)],
    ['Stopped', detail.stopDate ? dateTime(detail.stopDate) : '–'],
    ['Duration', h('span', { id: 'exec-duration' }, duration(view.durationMs))],
    ['Transitions', h('span', { 'data-testid': 'transitions', title: 'State transitions as Step Functions bills them: states entered plus retries' }, String(view.transitionCount))],
    ['Redrives', h('span', { 'data-testid': 'redrive-count', title: 'redriveCount: how many times RedriveExecution restarted it' }, String(detail.redriveCount))],
  ];
  if (detail.redriveDate) meta.push(['Last redrive', dateTime(detail.redriveDate)]);
  if (running && view.currentState) meta.push(['In progress', view.currentState]);
  if (detail.error) meta.push(['Error', h('code', { class: 'error-text' }, detail.error)]);
  return h(
    'section',
    { class: 'card exec-header', 'data-testid': 'execution-header', 'data-name': detail.name, 'data-status': detail.status, 'data-path': view.path },
    h(
      'div',
      { class: 'exec-title' },
      h('div', {}, h('div', { class: 'eyebrow' }, `Execution of ${config?.stateMachine.name ?? 'the state machine'}`), h('h1', { class: 'exec-name' }, detail.name)),
      h('div', { class: 'actions' }, stop, exportLink, redrive),
    ),
    h('dl', { class: 'meta' }, meta.map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, value)))),
    h('p', { class: 'arn muted' }, h('code', {}, detail.executionArn)),
    h(
      'p',
      { class: 'redrive-note muted', id: 'redrive-note', 'data-testid': 'redrive-note' },
      redrivable
        ? [
            'Redrive resumes it at ',
            h('code', {}, detail.redriveFrom ?? 'the state it stopped in'),
            " with that state's input; the states that succeeded are not run again. From a shell: ",
            h('code', {}, redriveCommand),
          ]
        : ['Not redrivable: ', h('span', { 'data-testid': 'redrive-reason' }, detail.redriveStatusReason ?? 'unknown reason'), '.'],
    ),
    detail.cause ? h('pre', { class: 'cause' }, detail.cause) : null,
  );
}

async function stopExecution(detail: ExecutionDetail): Promise<void> {
  if (!state.config) return;
  if (!win.confirm(`Stop execution ${detail.name}? It ends ABORTED; the state running now does not finish.`)) return;
  const query = new URLSearchParams({ token: state.config.token, cause: 'Stopped from the local console' });
  try {
    await request(`${API}/executions/${encodeURIComponent(detail.name)}/stop?${query}`, { method: 'POST' });
  } catch (error) {
    toast(`Stop failed: ${(error as Error).message}`);
  }
  await loadExecution(detail.name);
}

async function redriveExecution(detail: ExecutionDetail): Promise<void> {
  if (!state.config) return;
  const from = detail.redriveFrom ?? 'the state it stopped in';
  if (!win.confirm(`Redrive execution ${detail.name}? It runs again from ${from}, with that state's input; the states that succeeded are not run again.`)) return;
  // One token per redrive of this execution: a second click, or another tab, asking for the same redrive gets the
  // same answer instead of a second run (RedriveExecution's clientToken idempotency).
  const query = new URLSearchParams({ token: state.config.token, clientToken: `console-redrive-${detail.redriveCount + 1}` });
  try {
    await request(`${API}/executions/${encodeURIComponent(detail.name)}/redrive?${query}`, { method: 'POST' });
  } catch (error) {
    toast(`Redrive failed: ${(error as Error).message}`);
  }
  // Follow the run from the state it resumes at.
  state.stepPinned = false;
  await loadExecution(detail.name);
}

// --- the step panel ------------------------------------------------------------------------------------------------

function jsonBlock(title: string, text: string | undefined, testId: string): El {
  return h('details', { class: 'json-block', open: true, 'data-testid': testId }, h('summary', {}, title), h('pre', {}, text === undefined ? '(none)' : prettyJson(text)));
}

function causeBlock(cause: string): El {
  const parsed = parseJson(cause) as { errorType?: string; errorMessage?: string; trace?: string[]; message?: string; error?: string } | undefined;
  const message = parsed?.errorMessage ?? parsed?.message;
  return h(
    'div',
    { class: 'cause-block' },
    message ? h('p', { class: 'cause-message' }, message) : null,
    h('details', { class: 'json-block' }, h('summary', {}, 'Cause, as recorded'), h('pre', {}, prettyJson(cause))),
  );
}

function stepPanel(): Child[] {
  const view = state.view;
  const step = view && state.step !== undefined ? view.steps[state.step] : undefined;
  if (!view || !step) return [h('div', { class: 'card-head' }, h('h2', {}, 'Step')), h('p', { class: 'muted' }, 'The execution has not entered a state yet.')];
  const next = view.transitions[step.index];
  const target = resourceTarget(step);
  const rows: Array<[string, Child]> = [
    ['Status', h('span', {}, stepPill(step.status), step.status === 'caught' && next ? h('span', { class: 'muted' }, ` → ${next.to}`) : null)],
    ['Type', step.type],
  ];
  if (step.resource) rows.push(['Resource', h('span', {}, h('code', {}, `${step.resource.resourceType}:${step.resource.resource}`), target ? h('div', { class: 'resource-target' }, h('code', {}, target)) : null)]);
  rows.push(['Entered', `${clock(step.enteredAt)} (+${duration(step.enteredAt - view.startedAt)})`]);
  rows.push(['Duration', step.exitedAt === undefined && step.status === 'running' ? `${duration(step.durationMs)} so far` : duration(step.durationMs)]);
  if (step.resource) rows.push(['Attempts', String(step.attempts.length)]);
  const attempts =
    step.attempts.length > 0
      ? h(
          'table',
          { class: 'attempts', 'data-testid': 'attempts' },
          h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Waited before'), h('th', {}, 'Started'), h('th', {}, 'Took'), h('th', {}, 'Outcome'))),
          h(
            'tbody',
            {},
            step.attempts.map((attempt) =>
              h(
                'tr',
                { 'data-outcome': attempt.outcome },
                h('td', {}, String(attempt.number)),
                h('td', {}, attempt.waitBeforeMs === undefined ? '–' : `backoff ${duration(attempt.waitBeforeMs)}`),
                h('td', {}, `+${duration(attempt.startedAt - view.startedAt)}`),
                h('td', {}, attempt.endedAt === undefined ? 'running…' : duration(attempt.endedAt - attempt.startedAt)),
                h('td', {}, h('span', { class: `outcome o-${attempt.outcome}` }, attempt.outcome), attempt.error ? h('code', { class: 'error-text' }, ` ${attempt.error}`) : null),
              ),
            ),
          ),
        )
      : null;
  return [
    h('div', { class: 'card-head' }, h('h2', {}, step.name), h('span', { class: 'muted' }, `step ${step.index + 1} of ${view.steps.length}`)),
    h('dl', { class: 'kv' }, rows.map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, value)))),
    attempts,
    step.error
      ? h('div', { class: 'error-box', 'data-testid': 'step-error' }, h('div', { class: 'error-name' }, h('span', { class: 'label' }, step.status === 'retried' ? 'Retried error' : step.status === 'caught' ? 'Caught error' : 'Error'), h('code', {}, step.error)), step.cause ? causeBlock(step.cause) : null)
      : null,
    jsonBlock('Input', step.input, 'step-input'),
    jsonBlock('Output', step.output, 'step-output'),
    step.resource?.parameters ? h('details', { class: 'json-block' }, h('summary', {}, 'Parameters sent'), h('pre', {}, prettyJson(step.resource.parameters))) : null,
  ];
}

// --- the timeline --------------------------------------------------------------------------------------------------

function niceStep(total: number): number {
  const rough = total / 6;
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  return [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) ?? 10 * power;
}

function timeline(view: ExecutionView): Child[] {
  const total = Math.max(view.durationMs, 1);
  const at = (ms: number) => `${Math.min(100, Math.max(0, ((ms - view.startedAt) / total) * 100)).toFixed(3)}%`;
  const width = (from: number, to: number) => `${Math.max(0.25, ((to - from) / total) * 100).toFixed(3)}%`;
  const positioned = (element: El, from: number, to: number) => {
    element.style.setProperty('left', at(from));
    element.style.setProperty('width', width(from, to));
    return element;
  };
  const tick = niceStep(total);
  const ticks: El[] = [];
  for (let ms = 0; ms <= total; ms += tick) {
    const mark = h('span', { class: 'tick' }, duration(ms));
    mark.style.setProperty('left', `${((ms / total) * 100).toFixed(3)}%`);
    ticks.push(mark);
  }
  // Each ExecutionRedriven, labelled on the axis and drawn across every row: where a redrive picked the execution up.
  const redrives = (state.detail?.history ?? []).filter((event) => event.type === 'ExecutionRedriven');
  for (const event of redrives) {
    const mark = h('span', { class: 'tl-redrive', 'data-testid': 'redrive-mark', title: `ExecutionRedriven at ${clock(event.timestamp)}` }, `↻ redrive ${String(eventDetails(event).redriveCount ?? '')}`);
    mark.style.setProperty('left', at(Date.parse(event.timestamp)));
    ticks.push(mark);
  }
  const redriveLines = () =>
    redrives.map((event) => {
      const line = h('div', { class: 'tl-redrive-line' });
      line.style.setProperty('left', at(Date.parse(event.timestamp)));
      return line;
    });
  const end = view.startedAt + total;
  const rows = view.steps.map((step) => {
    const track = h('div', { class: 'tl-track' }, redriveLines());
    // A state that never exited ends where it stopped (a visit stopped before a redrive, not the execution's end).
    const stepEnd = step.exitedAt ?? (step.status === 'running' ? end : step.enteredAt + step.durationMs);
    track.append(positioned(h('div', { class: `tl-span st-${step.status}` }), step.enteredAt, stepEnd));
    for (const attempt of step.attempts) {
      if (attempt.waitBeforeMs !== undefined && attempt.waitBeforeMs > 0) {
        const wait = h('div', { class: 'tl-wait', title: `Backoff before attempt ${attempt.number}: ${duration(attempt.waitBeforeMs)}`, 'data-testid': 'backoff' });
        track.append(positioned(wait, attempt.startedAt - attempt.waitBeforeMs, attempt.startedAt));
      }
      const segment = h('div', {
        class: `tl-attempt o-${attempt.outcome}`,
        'data-testid': 'attempt',
        title: `Attempt ${attempt.number}: ${attempt.endedAt === undefined ? 'running' : duration(attempt.endedAt - attempt.startedAt)}, ${attempt.outcome}${attempt.error ? ` (${attempt.error})` : ''}`,
      });
      track.append(positioned(segment, attempt.startedAt, attempt.endedAt ?? end));
    }
    const label = h('span', { class: 'tl-label' }, duration(step.durationMs));
    label.style.setProperty('left', `calc(${at(stepEnd)} + 6px)`);
    track.append(label);
    const retries = Math.max(0, step.attempts.length - 1);
    return h(
      'div',
      { class: 'tl-row', 'data-step': step.index, 'data-state': step.name, 'data-status': step.status, onclick: () => selectStep(step.index) },
      h('div', { class: 'tl-name' }, h('span', { class: `dot st-${step.status}` }), h('span', { class: 'name' }, step.name), h('span', { class: 'type' }, step.type)),
      h('div', { class: 'tl-status' }, stepPill(step.status)),
      h('div', { class: 'tl-retries' }, retries > 0 ? h('span', { class: 'retry-count' }, `${retries} ${retries === 1 ? 'retry' : 'retries'}`) : ''),
      track,
    );
  });
  const selectedRow = rows.find((row) => Number(row.getAttribute('data-step')) === state.step);
  selectedRow?.toggleAttribute('data-selected', true);
  return [
    h(
      'div',
      { class: 'card-head' },
      h('h2', {}, 'Timeline'),
      h(
        'span',
        { class: 'tl-keys muted' },
        h('span', { class: 'key o-succeeded' }),
        'attempt ',
        h('span', { class: 'key o-failed' }),
        'failed attempt ',
        h('span', { class: 'key wait' }),
        'retry backoff ',
        h('span', { class: 'key o-running' }),
        'running',
      ),
    ),
    h(
      'div',
      { class: 'tl' },
      h(
        'div',
        { class: 'tl-row tl-head' },
        h('div', { class: 'tl-name' }, 'State'),
        h('div', { class: 'tl-status' }, 'Status'),
        h('div', { class: 'tl-retries' }, 'Retries'),
        h('div', { class: `tl-track tl-axis${redrives.length > 0 ? ' has-redrive' : ''}` }, ticks),
      ),
      rows,
    ),
  ];
}

// --- the event list -------------------------------------------------------------------------------------------------

function eventsPanel(): Child[] {
  const detail = state.detail;
  const view = state.view;
  if (!detail || !view) return [];
  const stepOfEvent = new Map<number, StepView>();
  for (const step of view.steps) for (const id of step.eventIds) stepOfEvent.set(id, step);
  const events = detail.history;
  const pages = Math.max(1, Math.ceil(events.length / EVENTS_PAGE_SIZE));
  state.eventsPage = Math.min(Math.max(1, state.eventsPage), pages);
  const shown = events.slice((state.eventsPage - 1) * EVENTS_PAGE_SIZE, state.eventsPage * EVENTS_PAGE_SIZE);
  const started = events[0] ? Date.parse(events[0].timestamp) : view.startedAt;
  const selected = state.step;
  const rows = shown.flatMap((event) => {
    const step = stepOfEvent.get(event.id);
    const details = eventDetails(event);
    const resource = typeof details.resourceType === 'string' ? `${details.resourceType}:${String(details.resource)}` : '';
    const expanded = state.expandedEvents.has(event.id);
    const failed = /Failed|TimedOut|Aborted/.test(event.type);
    const row = h(
      'tr',
      {
        class: `event${failed ? ' failed' : ''}${event.type === 'ExecutionRedriven' ? ' redriven' : ''}${step && step.index === selected ? ' of-step' : ''}`,
        'data-event-id': event.id,
        'data-type': event.type,
        onclick: () => {
          if (expanded) state.expandedEvents.delete(event.id);
          else state.expandedEvents.add(event.id);
          if (step) selectStep(step.index, { jumpEvents: false });
          else syncSelection();
        },
      },
      h('td', { class: 'num' }, h('span', { class: 'caret' }, expanded ? '▾' : '▸'), String(event.id)),
      h('td', {}, h('span', { class: 'event-type' }, event.type)),
      h('td', {}, step ? step.name : '–'),
      h('td', {}, resource ? h('code', {}, resource) : ''),
      h('td', { class: 'num' }, `+${duration(Date.parse(event.timestamp) - started)}`),
      h('td', { class: 'time', title: event.timestamp }, clock(event.timestamp)),
    );
    if (!expanded) return [row];
    const body = { ...event };
    return [row, h('tr', { class: 'event-details' }, h('td', { colspan: 6 }, h('pre', {}, prettyEvent(body))))];
  });
  const go = (page: number) => () => {
    state.eventsPage = page;
    syncSelection();
  };
  return [
    h('div', { class: 'card-head' }, h('h2', {}, 'Events'), h('span', { class: 'muted' }, `${events.length} events, as GetExecutionHistory returns them`)),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'events' },
        h('thead', {}, h('tr', {}, h('th', {}, 'ID'), h('th', {}, 'Type'), h('th', {}, 'Step'), h('th', {}, 'Resource'), h('th', { class: 'num' }, 'Started after'), h('th', {}, 'Time'))),
        h('tbody', {}, rows),
      ),
    ),
    h(
      'div',
      { class: 'pager' },
      h('button', { class: 'btn small', type: 'button', disabled: state.eventsPage <= 1, onclick: go(state.eventsPage - 1) }, '‹ Prev'),
      h('span', { class: 'muted', 'data-testid': 'events-range' }, `Page ${state.eventsPage} of ${pages}`),
      h('button', { class: 'btn small', type: 'button', disabled: state.eventsPage >= pages, onclick: go(state.eventsPage + 1) }, 'Next ›'),
    ),
  ];
}

/** An event as JSON, with the JSON text inside its details (input, output, parameters) shown as JSON too. */
function prettyEvent(event: HistoryEvent): string {
  const copy = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
  for (const [key, value] of Object.entries(copy)) {
    if (!key.endsWith('EventDetails') || !value || typeof value !== 'object') continue;
    const details = value as Record<string, unknown>;
    for (const field of ['input', 'output', 'parameters']) {
      const parsed = typeof details[field] === 'string' ? parseJson(details[field] as string) : undefined;
      if (parsed !== undefined && typeof parsed === 'object') details[field] = parsed;
    }
  }
  return JSON.stringify(copy, null, 2);
}

// --- the order panel ------------------------------------------------------------------------------------------------

const ORDER_STATUS_CLASS: Record<string, string> = {
  RECEIVED: 'o-running',
  PAYMENT_APPROVED: 'o-running',
  STOCK_RESERVED: 'o-running',
  CONFIRMED: 'o-succeeded',
  REJECTED: 'o-caught',
  FAILED: 'o-failed',
};

function money(amount: number | undefined, currency: string | undefined): string {
  if (amount === undefined || currency === undefined) return '–';
  try {
    return formatMoney({ amount, currency });
  } catch {
    return `${currency} ${amount}`;
  }
}

function section(title: string, testId: string, ...children: Child[]): El {
  return h('div', { class: 'order-section', 'data-testid': testId }, h('h3', {}, title), ...children);
}

function orderPanel(): Child[] {
  const head = h('div', { class: 'card-head' }, h('h2', {}, 'Order'), state.order ? h('code', { class: 'muted' }, shortId(state.order.orderId)) : null);
  if (state.orderError) return [head, h('p', { class: 'error-text' }, state.orderError)];
  const records = state.order;
  if (!records) return [head, h('p', { class: 'muted' }, 'Loading the order…')];
  const order = records.order;
  if (!order) {
    return [
      head,
      h('p', { class: 'muted', 'data-testid': 'no-order' }, 'No order record: ReceiveOrder has not stored it (yet), or the execution was not started for an order.'),
      notifications(records.notifications),
    ];
  }
  const reservation = order.stockReservation;
  const payment = records.authorization;
  const held = payment?.status === 'AUTHORIZED';
  return [
    head,
    h(
      'div',
      { class: 'order-summary' },
      h('span', { class: `pill big ${ORDER_STATUS_CLASS[order.status] ?? ''}`, 'data-testid': 'order-status' }, order.status),
      order.reason ? h('span', { class: 'reason', 'data-testid': 'order-reason' }, order.reason.replaceAll('_', ' ').toLowerCase()) : null,
      h('span', { class: 'total' }, money(order.total, order.currency)),
    ),
    h(
      'dl',
      { class: 'kv compact' },
      h('div', {}, h('dt', {}, 'Customer'), h('dd', {}, order.customer ? `${order.customer.name} <${order.customer.email}>` : '–')),
      h('div', {}, h('dt', {}, 'Created'), h('dd', {}, order.createdAt ? dateTime(order.createdAt) : '–')),
      order.failure ? h('div', {}, h('dt', {}, 'Failure'), h('dd', {}, h('code', { class: 'error-text' }, order.failure.error))) : null,
      order.compensation
        ? h(
            'div',
            {},
            h('dt', {}, 'Compensation'),
            h(
              'dd',
              { 'data-testid': 'compensation' },
              order.compensationRemaining?.length ? `pending: ${order.compensationRemaining.join(', ')}` : 'done',
              h('span', { class: 'muted' }, ` (after ${order.compensation.error})`),
            ),
          )
        : null,
    ),
    order.items?.length
      ? h(
          'table',
          { class: 'items' },
          h('thead', {}, h('tr', {}, h('th', {}, 'SKU'), h('th', {}, 'Product'), h('th', { class: 'num' }, 'Qty'), h('th', { class: 'num' }, 'Line total'))),
          h(
            'tbody',
            {},
            order.items.map((line) =>
              h('tr', {}, h('td', {}, h('code', {}, line.sku)), h('td', {}, line.name), h('td', { class: 'num' }, String(line.quantity)), h('td', { class: 'num' }, money(line.lineTotal, order.currency))),
            ),
          ),
        )
      : null,
    section(
      'Status history',
      'order-history',
      h(
        'ol',
        { class: 'status-history' },
        (order.history ?? []).map((entry) =>
          // A REDRIVEN entry records a redrive of the execution, not a status change: it names the status it found.
          entry.event === 'REDRIVEN'
            ? h(
                'li',
                { 'data-status': entry.status, 'data-event': entry.event },
                h('span', { class: 'dot o-redriven' }),
                h('strong', {}, 'REDRIVEN'),
                ` (redrive ${entry.redriveCount ?? '?'}, while ${entry.status})`,
                h('span', { class: 'muted' }, clock(entry.at)),
              )
            : h('li', { 'data-status': entry.status }, h('span', { class: `dot ${ORDER_STATUS_CLASS[entry.status] ?? ''}` }), h('strong', {}, entry.status), entry.reason ? ` (${entry.reason})` : '', h('span', { class: 'muted' }, clock(entry.at))),
        ),
      ),
    ),
    section(
      'Stock reservation',
      'reservation',
      reservation
        ? h(
            'p',
            {},
            h('span', { class: `pill ${reservation.status === 'RESERVED' ? 'o-succeeded' : 'o-neutral'}`, 'data-testid': 'reservation-status' }, reservation.status === 'RESERVED' ? 'reserved' : 'released'),
            ` ${reservation.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ')}`,
            h('span', { class: 'muted' }, ` at ${clock(reservation.at)}${reservation.releasedAt ? `, released ${clock(reservation.releasedAt)}` : ''}`),
          )
        : h('p', { class: 'muted', 'data-testid': 'reservation-status' }, 'none: no stock was taken for this order'),
    ),
    section(
      'Payment authorization',
      'payment',
      payment
        ? h(
            'p',
            {},
            h('span', { class: `pill ${held ? 'o-succeeded' : 'o-neutral'}`, 'data-testid': 'payment-status' }, held ? 'held' : payment.status === 'VOIDED' ? 'voided' : payment.status.toLowerCase()),
            ` ${money(payment.amount, payment.currency)} `,
            h('code', { class: 'muted' }, payment.authorizationId),
            payment.voidedAt ? h('span', { class: 'muted' }, ` voided ${clock(payment.voidedAt)}`) : null,
          )
        : h('p', { class: 'muted', 'data-testid': 'payment-status' }, 'none: the card was never authorized'),
    ),
    notifications(records.notifications),
  ];
}

function notifications(messages: OutboxMessage[]): El {
  return section(
    `Notifications sent (${messages.length})`,
    'notifications',
    messages.length === 0
      ? h('p', { class: 'muted' }, 'none yet')
      : messages.map((message) => {
          const topic = message.topicArn.slice(message.topicArn.lastIndexOf(':') + 1);
          const to = message.attributes.customerEmail?.StringValue;
          return h(
            'article',
            { class: 'email', 'data-testid': 'email', 'data-event-type': message.attributes.eventType?.StringValue ?? '' },
            h(
              'header',
              {},
              h('div', { class: 'email-subject' }, message.subject ?? '(no subject)'),
              h('div', { class: 'email-meta muted' }, `From SNS topic ${topic}${to ? ` to ${to}` : ''} · ${dateTime(message.at)}`),
              h('div', { class: 'email-attrs' }, Object.entries(message.attributes).map(([name, value]) => h('span', { class: 'attr' }, `${name}=${value.StringValue ?? '(binary)'}`))),
            ),
            h('pre', { class: 'email-body' }, message.message),
          );
        }),
  );
}

// --- placing an order -----------------------------------------------------------------------------------------------

async function openOrderDialog(): Promise<void> {
  const dialog = byId('order-dialog') as DialogEl;
  const config = state.config;
  if (!config) return;
  let catalog: CatalogItem[] = [];
  try {
    catalog = (await request<{ items: CatalogItem[] }>(`${API}/catalog`)).items;
  } catch (error) {
    toast(`Cannot read the catalog: ${(error as Error).message}`);
    return;
  }
  const problem = h('div', { class: 'form-error', role: 'alert', 'data-testid': 'order-error' });
  const apiKeyField = h(
    'label',
    { class: `field${state.apiKey === undefined ? ' hidden' : ''}`, id: 'api-key-field' },
    'API key (this stack was started with LOCAL_API_KEY)',
    h('input', { name: 'apiKey', type: 'password', autocomplete: 'off', value: state.apiKey ?? '' }),
  );
  const form = h(
    'form',
    {
      method: 'dialog',
      onsubmit: (event: { preventDefault(): void }) => {
        event.preventDefault();
        void placeOrder(form, catalog, problem, apiKeyField);
      },
    },
    h('div', { class: 'dialog-head' }, h('h2', {}, 'Place an order'), h('p', { class: 'muted' }, 'Sent as POST /orders to this stack, like any client.')),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Items from the catalog'),
      h(
        'table',
        { class: 'catalog' },
        h('thead', {}, h('tr', {}, h('th', {}, 'SKU'), h('th', {}, 'Product'), h('th', { class: 'num' }, 'Price'), h('th', { class: 'num' }, 'In stock'), h('th', { class: 'num' }, 'Quantity'))),
        h(
          'tbody',
          {},
          catalog.map((item, index) =>
            h(
              'tr',
              {},
              h('td', {}, h('code', {}, item.sku)),
              h('td', {}, item.name),
              h('td', { class: 'num' }, money(item.unitPrice, item.currency)),
              h('td', { class: 'num' }, String(item.available)),
              h('td', { class: 'num' }, h('input', { class: 'qty', type: 'number', min: 0, max: 1000, step: 1, name: `qty-${item.sku}`, value: index === 0 ? 1 : 0, 'aria-label': `Quantity of ${item.sku}` })),
            ),
          ),
        ),
      ),
    ),
    h(
      'fieldset',
      { class: 'cards' },
      h('legend', {}, 'Card token'),
      config.cardTokens.map((card, index) =>
        h(
          'label',
          { class: 'card-choice' },
          h('input', { type: 'radio', name: 'token', value: card.token, checked: index === 0 }),
          h('span', {}, h('code', {}, card.token), h('span', { class: 'muted' }, card.label)),
        ),
      ),
    ),
    h(
      'fieldset',
      { class: 'customer' },
      h('legend', {}, 'Customer'),
      h('label', { class: 'field' }, 'Name', h('input', { name: 'customerName', value: 'Ana Souza', required: true, maxlength: 200 })),
      h('label', { class: 'field' }, 'E-mail', h('input', { name: 'customerEmail', type: 'email', value: 'ana@example.com', required: true, maxlength: 254 })),
    ),
    apiKeyField,
    problem,
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { class: 'btn', type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { class: 'btn primary', type: 'submit', id: 'submit-order' }, 'Place order'),
    ),
  );
  dialog.replaceChildren(form);
  dialog.showModal();
}

async function placeOrder(form: El, catalog: CatalogItem[], problem: El, apiKeyField: El): Promise<void> {
  const field = (name: string) => form.querySelector(`[name="${name}"]`) as InputEl | null;
  const items = catalog
    .map((item) => ({ sku: item.sku, quantity: Number(field(`qty-${item.sku}`)?.value ?? 0) }))
    .filter((line) => Number.isFinite(line.quantity) && line.quantity !== 0);
  const token = (form.querySelector('input[name="token"]:checked') as InputEl | null)?.value ?? 'tok_visa';
  const body = {
    customer: { id: 'cust-console', name: field('customerName')?.value ?? '', email: field('customerEmail')?.value ?? '' },
    items,
    payment: { token },
  };
  const apiKey = field('apiKey')?.value || undefined;
  problem.replaceChildren();
  const submit = form.querySelector('#submit-order') as InputEl | null;
  if (submit) submit.disabled = true;
  try {
    const accepted = await request<{ orderId: string }>('/orders', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
    });
    state.apiKey = apiKey;
    (byId('order-dialog') as DialogEl).close();
    win.location.hash = `#/executions/${encodeURIComponent(accepted.orderId)}`;
    void loadList();
  } catch (error) {
    const answer = error instanceof ApiError ? error : undefined;
    // API Gateway's 403 for a missing or wrong x-api-key (the stack was started with LOCAL_API_KEY).
    if (answer?.status === 403) apiKeyField.classList.remove('hidden');
    setChildren(
      problem,
      h('strong', {}, answer?.body.error ?? 'Error'),
      `: ${(error as Error).message}`,
      answer?.body.details?.length ? h('ul', {}, answer.body.details.map((detail) => h('li', {}, h('code', {}, detail.path), ` ${detail.message}`))) : null,
    );
  } finally {
    if (submit) submit.disabled = false;
  }
}

// --- live updates ---------------------------------------------------------------------------------------------------

function setLive(live: typeof state.live): void {
  state.live = live;
  const badge = byId('live');
  badge.className = `live ${live}`;
  badge.textContent = live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  badge.title = live === 'live' ? 'Updates arrive as executions move (long polling /_console/api/changes)' : 'The console cannot reach the local stack';
}

/** Long-polls the console API: each answer names the executions that moved; the list and the open one reload. */
async function live(): Promise<void> {
  let since = 0;
  for (;;) {
    try {
      const answer = await request<{ version: number; changed: string[]; all?: boolean }>(`${API}/changes?since=${since}`);
      setLive('live');
      if (answer.version !== since) {
        const first = since === 0;
        since = answer.version;
        if (!first) {
          scheduleListLoad(100);
          if (state.selected && (answer.all || answer.changed.includes(state.selected))) void loadExecution(state.selected);
        }
      }
    } catch {
      setLive('offline');
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

/** A running execution's duration counts up between updates. */
function tickDurations(): void {
  const detail = state.detail;
  if (detail?.status !== 'RUNNING') return;
  const element = doc.getElementById('exec-duration');
  if (element) element.textContent = duration(Date.now() - Date.parse(detail.startDate));
}

function toast(message: string): void {
  const element = h('div', { class: 'toast', role: 'status' }, message);
  doc.body.append(element);
  setTimeout(() => element.remove(), 6000);
}

// --- start ---------------------------------------------------------------------------------------------------------

function route(): void {
  const match = /^#\/executions\/(.+)$/.exec(win.location.hash);
  let name: string | undefined;
  try {
    name = match ? decodeURIComponent(match[1]!) : undefined;
  } catch {
    name = undefined;
  }
  select(name);
}

function litMarkers(): El {
  const marker = (id: string, cls: string) =>
    svg('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 Z', class: cls }));
  return svg('svg', { class: 'defs', width: 0, height: 0, 'aria-hidden': 'true' }, svg('defs', {}, marker('lit-arrow-ok', 'marker-ok'), marker('lit-arrow-caught', 'marker-caught')));
}

async function start(): Promise<void> {
  doc.body.append(litMarkers());
  byId('place-order').addEventListener('click', () => void openOrderDialog());
  setLive('connecting');
  renderList();
  try {
    state.config = await request<ConsoleConfig>(`${API}/config`);
  } catch (error) {
    byId('main').replaceChildren(h('section', { class: 'card notice' }, h('h2', {}, 'The console cannot start'), h('p', {}, (error as Error).message)));
    return;
  }
  byId('sm-name').textContent = `${state.config.stateMachine.name} · ${state.config.region}`;
  try {
    graph = new GraphView(state.config.stateMachine.definition);
    graph.onSelect = (name) => {
      const step = state.view?.steps.findLast((candidate) => candidate.name === name);
      if (step) selectStep(step.index);
    };
  } catch (error) {
    toast(`The workflow picture could not be drawn: ${(error as Error).message}`);
  }
  win.addEventListener('hashchange', route);
  route();
  if (!state.selected) renderMain();
  await loadList();
  setInterval(tickDurations, 500);
  doc.body.setAttribute('data-ready', 'true');
  void live();
}

void start();
