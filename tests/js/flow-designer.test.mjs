// The flow designer's pure modules (model, commands, rules, layout): run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';

import { createBus } from '../../static/js/core/bus.js';
import { createHistory } from '../../static/js/core/history.js';
import * as commands from '../../static/js/flow-designer/commands.js';
import { autoLayout } from '../../static/js/flow-designer/layout.js';
import { FlowModel, portsOf } from '../../static/js/flow-designer/model.js';
import { canAdd, canConnect, canReconnect } from '../../static/js/flow-designer/rules.js';
import { copySelection, inBox, moveSelection, pasteClip, removeSelection } from '../../static/js/flow-designer/selection.js';

const QUOTE = JSON.parse(
  readFileSync(new URL('../../flow_definitions/crm/quote_approval.json', import.meta.url), 'utf8'),
);

const fresh = () => new FlowModel(QUOTE);
const text = (model) => JSON.stringify(model.toJSON());

/**
 * Run one command, undo it, redo it: undo gives back the exact JSON, redo the edited one.
 * @returns the model after the redo
 */
function roundTrip(command, args, model = fresh()) {
  const history = createHistory(model);
  const before = text(model);
  history.run(command, args);
  const after = text(model);
  assert.notEqual(after, before, `${command.name} changed nothing`);
  assert.equal(history.undo(), true);
  assert.equal(text(model), before, `${command.name} undo`);
  assert.equal(history.redo(), true);
  assert.equal(text(model), after, `${command.name} redo`);
  assert.equal(history.undo(), true);
  assert.equal(text(model), before, `${command.name} second undo`);
  history.redo();
  return model;
}

test('the model starts as a copy of the definition and never shares it', () => {
  const model = fresh();
  assert.deepEqual(model.toJSON(), QUOTE);
  model.node('start').position.x = 999;
  assert.equal(QUOTE.nodes[0].position.x, 0);
  const empty = new FlowModel({ format: 1, key: 'x' });
  assert.deepEqual(empty.toJSON(), { format: 1, key: 'x', nodes: [], edges: [] });
});

test('ports follow the node types (approval: approved/rejected, end: none, others: out)', () => {
  assert.deepEqual(portsOf('approval'), ['approved', 'rejected']);
  assert.deepEqual(portsOf('end'), []);
  assert.deepEqual(portsOf('action'), ['out']);
  assert.ok(portsOf('subflow').includes('failed'));
});

test('node.add: unique slug ids, default config, label, undo removes, redo puts it back', () => {
  const model = roundTrip(commands.addNode, { type: 'approval', x: 10.4, y: 20.6, label: { en: 'Boss' } });
  const added = model.nodes[model.nodes.length - 1];
  assert.deepEqual(added, {
    id: 'approval_1',
    type: 'approval',
    label: { en: 'Boss' },
    position: { x: 10, y: 21 },
    config: { mode: 'single', approvers: [{ type: 'department_head', levels: 1 }] },
  });
  const history = createHistory(model);
  history.run(commands.addNode, { type: 'approval', x: 0, y: 0 });
  assert.equal(model.nodes[model.nodes.length - 1].id, 'approval_2');
  assert.match(model.newNodeId('wait'), /^[a-z][a-z0-9_]*$/);
  assert.throws(() => model.addNode('bogus', 0, 0), /unknown node type/);
});

test('node.add of a join picks the parallel node it closes', () => {
  const model = fresh();
  model.addNode('parallel', 0, 0, { id: 'fork' });
  model.addNode('join', 0, 0);
  assert.deepEqual(model.nodes[model.nodes.length - 1].config, { split: 'fork' });
});

test('node.remove takes its edges along and undo puts all back at their indices', () => {
  const model = roundTrip(commands.removeNode, { id: 'route' });
  assert.equal(model.hasNode('route'), false);
  assert.equal(model.edges.some((e) => e.from === 'route' || e.to === 'route'), false);
});

test('node.move, node.config, node.label round-trip; absent keys are deleted again on undo', () => {
  roundTrip(commands.moveNode, { id: 'director', x: 700, y: 33 });
  roundTrip(commands.setNodeConfig, {
    id: 'director',
    config: { mode: 'any', approvers: [{ type: 'role', role: 'director' }] },
  });
  roundTrip(commands.setLabel, { id: 'director', label: { 'zh-CN': '总监', en: 'Director' } });
  roundTrip(commands.setLabel, { id: 'director', label: null });

  const bare = new FlowModel({ nodes: [{ id: 'a', type: 'start' }], edges: [] });
  roundTrip(commands.moveNode, { id: 'a', x: 1, y: 2 }, bare);
  roundTrip(commands.setLabel, { id: 'a', label: { en: 'Go' } }, bare);
  roundTrip(commands.setNodeConfig, { id: 'a', config: {} }, bare);
});

test('edge.connect: default port implicit, approval ports explicit, condition branches ordered', () => {
  const model = fresh();
  const history = createHistory(model);
  history.run(commands.addNode, { type: 'condition', x: 0, y: 0, id: 'check' });
  history.run(commands.addNode, { type: 'end', x: 0, y: 0, id: 'stop' });
  history.run(commands.connect, { from: 'check', port: 'out', to: 'stop' });
  history.run(commands.connect, { from: 'check', port: 'out', to: 'director' });
  history.run(commands.connect, { from: 'manager', port: 'rejected', to: 'stop' });
  const tail = model.edges.slice(-3);
  assert.deepEqual(tail, [
    { id: 'check_stop', from: 'check', to: 'stop', default: true },
    { id: 'check_director', from: 'check', to: 'director', condition: { all: [] }, order: 0 },
    { id: 'manager_stop', from: 'manager', to: 'stop', port: 'rejected' },
  ]);
  roundTrip(commands.connect, { from: 'start', port: 'out', to: 'route' }, model);
  assert.equal(model.edges[model.edges.length - 1].id, 'start_route');
  model.connect('start', 'out', 'route');
  assert.equal(model.edges[model.edges.length - 1].id, 'start_route_2');
});

test('edge.remove, edge.condition and flow.trigger round-trip', () => {
  const model = fresh();
  const branch = model.edges.find((e) => e.condition);
  const plain = model.edges.find((e) => !e.condition && !e.default);
  roundTrip(commands.disconnect, { id: branch.id }, model);
  roundTrip(commands.setEdgeCondition, {
    id: branch.id,
    patch: { condition: { field: 'total', op: 'gt', value: 1 }, order: 5, label: { en: 'big' } },
  });
  roundTrip(commands.setEdgeCondition, { id: branch.id, patch: { condition: null, order: null, default: true } });
  roundTrip(commands.setEdgeCondition, { id: plain.id, patch: { default: false } });
  roundTrip(commands.setTrigger, { trigger: { type: 'record_created' } });
  const automation = new FlowModel({ trigger: { type: 'record_created' }, nodes: [], edges: [] });
  roundTrip(commands.setTrigger, { trigger: null }, automation);
  roundTrip(commands.setTrigger, { trigger: { type: 'record_updated', fields: ['status'] } }, automation);
});

test('flow.layout and batch round-trip; a failing batch changes nothing', () => {
  const model = fresh();
  roundTrip(commands.layout, { positions: autoLayout(model.nodes, model.edges) }, model);
  roundTrip(commands.batch, {
    steps: [
      { name: 'edge.remove', args: { id: model.edges[0].id } },
      { name: 'node.remove', args: { id: 'director' } },
      { name: 'node.remove', args: { id: 'manager' } },
    ],
  });
  const before = text(model);
  assert.throws(
    () =>
      commands.batch.run(model, {
        steps: [
          { name: 'node.remove', args: { id: 'director' } },
          { name: 'node.remove', args: { id: 'nobody' } },
        ],
      }),
    /no node nobody/,
  );
  assert.equal(text(model), before);
});

test('ten mixed edits undone all the way give the original JSON byte for byte, and redo again', () => {
  const bus = createBus();
  const seen = [];
  bus.on('model.changed', ({ command }) => seen.push(command));
  const model = fresh();
  const history = createHistory(model, { bus });
  const original = text(model);
  history.run(commands.addNode, { type: 'cc', x: 100, y: 400 });
  history.run(commands.moveNode, { id: 'cc_1', x: 120, y: 420 });
  history.run(commands.connect, { from: 'route', port: 'out', to: 'cc_1' });
  history.run(commands.setEdgeCondition, { id: 'route_cc_1', patch: { condition: { field: 'total', op: 'lt', value: 10 } } });
  history.run(commands.setLabel, { id: 'cc_1', label: { 'zh-CN': '抄送财务', en: 'CC finance' } });
  history.run(commands.setNodeConfig, { id: 'cc_1', config: { recipients: [{ type: 'role', role: 'finance' }] } });
  history.run(commands.removeNode, { id: 'manager' });
  history.run(commands.setTrigger, { trigger: { type: 'record_created' } });
  history.run(commands.layout, { positions: autoLayout(model.nodes, model.edges) });
  history.run(commands.disconnect, { id: model.edges[0].id });
  assert.equal(history.size(), 10);
  const edited = text(model);
  while (history.undo());
  assert.equal(text(model), original);
  while (history.redo());
  assert.equal(text(model), edited);
  assert.equal(seen.length, 30);
});

test('rules: exits must exist, one edge per exit except condition and parallel, nothing into start', () => {
  const model = fresh();
  assert.deepEqual(canConnect(model, 'director', 'approved', 'manager'), { ok: false, reason: 'port_taken' });
  assert.deepEqual(canConnect(model, 'director', 'out', 'manager'), { ok: false, reason: 'unknown_port' });
  assert.deepEqual(canConnect(model, 'director', 'rejected', 'start'), { ok: false, reason: 'into_start' });
  assert.deepEqual(canConnect(model, 'director', 'rejected', 'director'), { ok: false, reason: 'self_loop' });
  assert.deepEqual(canConnect(model, 'route', 'out', 'mark_pending'), { ok: true });
  assert.deepEqual(canConnect(model, 'route', 'out', 'director'), { ok: false, reason: 'duplicate_edge' });
  assert.deepEqual(canConnect(model, 'x', 'out', 'director'), { ok: false, reason: 'unknown_node' });
  const end = model.nodes.find((n) => n.type === 'end');
  assert.deepEqual(canConnect(model, end.id, 'out', 'director'), { ok: false, reason: 'unknown_port' });
  assert.deepEqual(canAdd(model, 'start'), { ok: false, reason: 'one_start' });
  assert.deepEqual(canAdd(new FlowModel({}), 'start'), { ok: true });
});

test('layout: layers by longest path from start, spreads a layer, survives cycles', () => {
  const nodes = ['s', 'a', 'b', 'c', 'e'].map((id) => ({ id, type: id === 's' ? 'start' : 'x' }));
  const edges = [
    { from: 's', to: 'a' },
    { from: 's', to: 'b' },
    { from: 'a', to: 'c' },
    { from: 'b', to: 'e' },
    { from: 'c', to: 'e' },
    { from: 'e', to: 'a' }, // a loop back (a return)
  ];
  const at = autoLayout(nodes, edges, { column: 100, row: 50 });
  assert.equal(at.s.x, 0);
  assert.equal(at.a.x, 100);
  assert.equal(at.b.x, 100);
  assert.equal(at.c.x, 200);
  assert.equal(at.e.x, 300); // longest path s → a → c → e
  assert.notEqual(at.a.y, at.b.y);
  assert.equal(Math.abs(at.a.y - at.b.y), 50);
  assert.equal(at.s.y, 25); // a single node sits in the middle of the tallest layer
  const quote = autoLayout(QUOTE.nodes, QUOTE.edges);
  assert.equal(Object.keys(quote).length, QUOTE.nodes.length);
  assert.ok(quote.director.x > quote.route.x && quote.route.x > quote.start.x);
});

// ---- several nodes at once: delete, copy / paste, move, rubber band ----

/** Run a planned command through the history, then undo / redo / undo / redo: exact text each time. */
function roundTripPlanned(planned, model) {
  assert.ok(planned, 'something to do');
  return roundTrip(planned.command, planned.args, model);
}

test('deleting a selection is one command: nodes with their edges, and the other selected edges', () => {
  const model = fresh();
  const history = createHistory(model);
  const before = text(model);
  const planned = removeSelection(model, {
    nodes: ['director', 'manager'],
    edges: ['director_approved', 'mark_approved_to_end_approved', 'no_such_edge'],
  });
  assert.equal(planned.command, commands.batch);
  // the edge of a deleted node goes with it; the other selected edge on its own
  assert.deepEqual(planned.args.steps.map((s) => [s.name, s.args.id]), [
    ['edge.remove', 'mark_approved_to_end_approved'], ['node.remove', 'director'], ['node.remove', 'manager'],
  ]);
  history.run(planned.command, planned.args);
  assert.equal(history.size(), 1);
  assert.ok(!model.hasNode('director') && !model.hasNode('manager'));
  assert.ok(!model.hasEdge('route_to_director') && !model.hasEdge('manager_rejected') && !model.hasEdge('mark_approved_to_end_approved'));
  const after = text(model);
  history.undo();
  assert.equal(text(model), before);
  history.redo();
  assert.equal(text(model), after);
  history.undo();
  assert.equal(text(model), before);
  roundTripPlanned(removeSelection(fresh(), { nodes: ['route', 'mark_pending', 'end_rejected'], edges: [] }), fresh());
  // one item stays its own command; nothing selected, nothing to do
  assert.equal(removeSelection(model, { nodes: ['director'], edges: [] }).command, commands.removeNode);
  assert.equal(removeSelection(model, { nodes: [], edges: ['route_to_manager'] }).command, commands.disconnect);
  assert.equal(removeSelection(model, { nodes: ['ghost'], edges: [] }), null);
});

test('copy / paste: new ids, offset positions, the edges between the copied nodes, one command', () => {
  const model = fresh();
  const clip = copySelection(model, ['start', 'route', 'director', 'manager', 'mark_approved']);
  assert.deepEqual(clip.nodes.map((n) => n.id), ['route', 'director', 'manager', 'mark_approved'], 'no second start');
  assert.deepEqual(clip.edges.map((e) => e.id), ['route_to_director', 'route_to_manager', 'director_approved', 'manager_approved']);
  clip.nodes[0].label = { en: 'changed after copying' };
  assert.notDeepEqual(model.node('route').label, clip.nodes[0].label, 'the clip is a copy');
  const copy = copySelection(model, ['route', 'director', 'manager', 'mark_approved']);
  const planned = pasteClip(model, copy, { x: 40, y: 40 });
  assert.deepEqual(planned.nodes, ['condition_1', 'approval_1', 'approval_2', 'action_1']);
  assert.deepEqual(planned.edges, ['condition_1_approval_1', 'condition_1_approval_2', 'approval_1_action_1', 'approval_2_action_1']);
  const before = text(model);
  const pasted = roundTripPlanned(planned, model);
  assert.equal(pasted.nodes.length, QUOTE.nodes.length + 4);
  const route = QUOTE.nodes.find((n) => n.id === 'route');
  const twin = pasted.node('condition_1');
  assert.deepEqual(twin.position, { x: route.position.x + 40, y: route.position.y + 40 });
  assert.deepEqual(twin.config, route.config);
  // the branch keeps its condition and order; the approval exit its port
  const branch = QUOTE.edges.find((e) => e.id === 'route_to_director');
  const newBranch = pasted.edge('condition_1_approval_1');
  assert.deepEqual({ ...newBranch, id: branch.id, from: branch.from, to: branch.to }, branch);
  assert.equal(pasted.edge('approval_1_action_1').port, 'approved');
  // a second paste gets other ids again
  const again = pasteClip(pasted, copy, { x: 80, y: 80 });
  assert.deepEqual(again.nodes, ['condition_2', 'approval_3', 'approval_4', 'action_2']);
  const once = text(pasted);
  assert.notEqual(once, before);
  const history = createHistory(pasted);
  history.run(again.command, again.args);
  assert.equal(pasted.nodes.length, QUOTE.nodes.length + 8);
  history.undo();
  assert.equal(text(pasted), once);
  assert.equal(pasteClip(model, { nodes: [], edges: [] }, { x: 1, y: 1 }), null);
});

test('paste: a join follows its copied parallel node; one left behind keeps its old target', () => {
  const model = new FlowModel({
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, config: {} },
      { id: 'fork', type: 'parallel', position: { x: 100, y: 0 }, config: {} },
      { id: 'meet', type: 'join', position: { x: 300, y: 0 }, config: { split: 'fork' } },
      { id: 'boss', type: 'approval', position: { x: 200, y: 0 }, config: { mode: 'single', approvers: [{ type: 'submitter' }], return_to: 'fork' } },
    ],
    edges: [{ id: 'fork_boss', from: 'fork', to: 'boss' }, { id: 'boss_meet', from: 'boss', to: 'meet', port: 'approved' }],
  });
  const both = pasteClip(model, copySelection(model, ['fork', 'meet', 'boss']), { x: 0, y: 200 });
  const pasted = roundTripPlanned(both, model);
  assert.deepEqual(pasted.node('join_1').config, { split: 'parallel_1' });
  assert.equal(pasted.node('approval_1').config.return_to, 'parallel_1');
  const alone = pasteClip(model, copySelection(model, ['meet']), { x: 0, y: 200 });
  const history = createHistory(model);
  history.run(alone.command, alone.args);
  assert.deepEqual(model.node('join_2').config, { split: 'fork' });
});

test('moving a selection is one nodes.move command; a rubber band picks nodes and their edges', () => {
  const model = fresh();
  const planned = moveSelection(model, ['director', 'manager', 'ghost'], { x: 20, y: -40 });
  assert.equal(planned.command, commands.moveNodes);
  const director = QUOTE.nodes.find((n) => n.id === 'director').position;
  const moved = roundTripPlanned(planned, model);
  assert.deepEqual(moved.node('director').position, { x: director.x + 20, y: director.y - 40 });
  assert.equal(moveSelection(model, ['director'], { x: 0, y: 0 }), null);
  // a node without a position gets one, and loses it again on undo
  const bare = new FlowModel({ nodes: [{ id: 'a', type: 'start' }, { id: 'b', type: 'end', position: { x: 5, y: 5 } }], edges: [] });
  roundTripPlanned(moveSelection(bare, ['a', 'b'], { x: 20, y: 0 }), bare);
  const box = inBox(fresh(), { x: -10, y: -10, w: 10000, h: 10000 }, () => ({ w: 168, h: 60 }));
  assert.equal(box.nodes.length, QUOTE.nodes.length);
  assert.equal(box.edges.length, QUOTE.edges.length);
  const route = QUOTE.nodes.find((n) => n.id === 'route').position;
  const small = inBox(fresh(), { x: route.x + 10, y: route.y + 10, w: 5, h: 5 }, () => ({ w: 168, h: 60 }));
  assert.deepEqual(small, { nodes: ['route'], edges: [] });
});

test('edge.reconnect: the arrow to another node, the tail to another exit; exact undo and redo', () => {
  // the arrow's end: director's approval now goes to the rejection path's action
  const moved = roundTrip(commands.reconnect, { id: 'director_approved', to: 'mark_rejected' });
  const edge = moved.edge('director_approved');
  assert.deepEqual(edge, { id: 'director_approved', from: 'director', to: 'mark_rejected', port: 'approved' });
  // the tail: the start's edge (port "out" explicit) now leaves from route's exit — keys keep places
  const tail = roundTrip(commands.reconnect, { id: 'mark_pending_next', from: 'manager', port: 'rejected' });
  assert.deepEqual(Object.keys(tail.edge('mark_pending_next')), ['id', 'from', 'to', 'port']);
  assert.equal(tail.edge('mark_pending_next').port, 'rejected');
  // a condition branch keeps its condition, label and order
  const branch = roundTrip(commands.reconnect, { id: 'route_to_director', to: 'mark_approved' });
  const kept = branch.edge('route_to_director');
  assert.deepEqual(kept.condition, QUOTE.edges[2].condition);
  assert.equal(kept.order, 1);
  assert.deepEqual(Object.keys(kept), Object.keys(QUOTE.edges[2]));
  // as a step of a batch too
  roundTrip(commands.batch, { steps: [{ name: 'edge.reconnect', args: { id: 'director_approved', to: 'mark_rejected' } }] });
  assert.throws(() => fresh().reconnect('nope', { to: 'director' }), /no edge/);
  assert.throws(() => fresh().reconnect('director_approved', { to: 'ghost' }));
});

test('rules for re-routing: no self loop, nothing into start, no duplicate, the edge itself not counted', () => {
  const model = fresh();
  assert.deepEqual(canReconnect(model, 'director_approved', { to: 'director' }), { ok: false, reason: 'self_loop' });
  assert.deepEqual(canReconnect(model, 'director_approved', { to: 'start' }), { ok: false, reason: 'into_start' });
  assert.deepEqual(canReconnect(model, 'director_approved', { to: 'mark_approved' }), { ok: false, reason: 'unchanged' });
  assert.deepEqual(canReconnect(model, 'director_approved', { to: 'mark_rejected' }), { ok: true }, 'its own exit is not "taken"');
  // route fans out: moving one branch onto the other's target duplicates it
  assert.deepEqual(canReconnect(model, 'route_to_director', { to: 'manager' }), { ok: false, reason: 'duplicate_edge' });
  // the tail onto an exit that already has an edge (approval exits take one)
  assert.deepEqual(canReconnect(model, 'director_approved', { from: 'manager', port: 'approved' }), { ok: false, reason: 'duplicate_edge' });
  assert.deepEqual(canReconnect(model, 'director_rejected', { from: 'manager', port: 'approved' }), { ok: false, reason: 'port_taken' });
  assert.deepEqual(canReconnect(model, 'director_approved', { from: 'manager', port: 'nope' }), { ok: false, reason: 'unknown_port' });
  assert.deepEqual(canReconnect(model, 'nope', { to: 'manager' }), { ok: false, reason: 'unknown_node' });
});
