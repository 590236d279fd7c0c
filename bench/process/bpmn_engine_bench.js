// bpmn-engine side of the process benchmark: the same model, run to completion N times.
// Prints one line: `bpmn-engine <completed> <seconds>`.
'use strict';
const fs = require('fs');
const { Engine } = require('bpmn-engine');
const { EventEmitter } = require('events');
const BpmnModdle = require('bpmn-moddle');
const elements = require('bpmn-elements');
const { default: serializer, TypeResolver } = require('moddle-context-serializer');

const [model, runs] = [process.argv[2], Number(process.argv[3])];
const source = fs.readFileSync(model, 'utf8');

// Service tasks answer at once with an empty result, as in the other engines' runs.
const extensions = {
  services(activity) {
    if (activity.type !== 'bpmn:ServiceTask') return;
    activity.behaviour.Service = function Service() {
      return { execute(_message, callback) { callback(null, {}); } };
    };
  },
};

// Parsed once, as the other engines' runs parse once: only execution is measured.
let sourceContext;
async function prepare() {
  const moddle = new (BpmnModdle.default || BpmnModdle)();
  const moddleContext = await moddle.fromXML(source);
  sourceContext = serializer(moddleContext, TypeResolver(elements));
}

function runOnce() {
  return new Promise((resolve, reject) => {
    const listener = new EventEmitter();
    // The user task waits; answer it as soon as it waits, as a person would.
    listener.on('wait', (api) => api.signal({ approved: true }));
    const engine = new Engine({ name: 'bench', sourceContext, extensions, variables: { amount: 1500 } });
    // The callback runs when the instance has completed (or failed).
    engine.execute({ listener }, (err) => (err ? reject(err) : resolve()));
  });
}

(async () => {
  await prepare();
  await runOnce();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await runOnce();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`bpmn-engine ${runs} ${seconds.toFixed(6)}`);
})().catch((e) => { console.error(e); process.exit(1); });
