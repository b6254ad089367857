// Runnable without any download: builds a small random-weight model in the
// published layout, generates two samples and writes the first as .vti.
// Run from the project folder after `npm install`: node examples/quickstart.mjs
import { writeFileSync } from 'node:fs';
import { convertCheckpoints, loadModel, randomCheckpoints, writeVti } from 'microgen3d-webgpu';

const { checkpoints, settings } = randomCheckpoints({
  latentShape: [1, 4, 4, 4],
  firstLayerDownsample: true,
  vaeMaxChannels: 16,
  nFeat: 8,
  timesteps: 50,
  attributes: ['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'],
  contextAttributes: ['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'],
});
const { files } = convertCheckpoints(checkpoints, settings);

const model = await loadModel(files); // a folder path, { baseUrl }, { urls } or a Map of buffers
console.log('context attributes:', model.config.contextAttributes.join(', '));
for await (const s of model.generate({ context: [0.5, 0.3, 0.4], samples: 2, batch: 2, seed: 1 })) {
  console.log(`sample ${s.index}: volume [${s.volume.shape}], predicted ${s.features.map((v) => v.toFixed(3)).join(', ')}`);
  if (s.index === 0) writeFileSync('quickstart.vti', writeVti(s.volume.shape, s.volume.data, 'volume'));
}
model.dispose();
console.log('wrote quickstart.vti');
