// Runnable without any download: builds a small random-weight model in the
// published layout, generates two samples and writes the first as .vti.
// Run from the project folder after `npm install`: node examples/quickstart.mjs
import { writeFileSync } from 'node:fs';
import { loadModel, randomModelFiles, writeVti } from 'microgen3d-webgpu';

const files = randomModelFiles(); // the tiny model: 32^3 volume, random weights

const model = await loadModel(files); // a folder path, { baseUrl }, { urls } or a Map of buffers
console.log('context attributes:', model.config.contextAttributes.join(', '));
for await (const s of model.generate({ context: [0.5, 0.3, 0.4], samples: 2, batch: 2, seed: 1 })) {
  console.log(`sample ${s.index}: volume [${s.volume.shape}], predicted ${s.features.map((v) => v.toFixed(3)).join(', ')}`);
  if (s.index === 0) writeFileSync('quickstart.vti', writeVti(s.volume.shape, s.volume.data, 'volume'));
}
model.dispose();
console.log('wrote quickstart.vti');
