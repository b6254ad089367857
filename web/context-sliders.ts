/** Default slider range; typing a value outside it in the number box widens it. */
const RANGE = { min: 0, max: 1, step: 0.001, initial: 0.5 };

/**
 * A labelled slider with a number box per context attribute, in the model's
 * conditioning order. Returns a function that reads the current context.
 */
export function contextSliders(container: HTMLElement, attributes: readonly string[]): () => number[] {
  container.replaceChildren();
  const boxes = attributes.map((attribute) => {
    const label = document.createElement('label');
    label.className = 'slider';
    const name = document.createElement('span');
    name.textContent = attribute;
    const slider = document.createElement('input');
    Object.assign(slider, { type: 'range', min: String(RANGE.min), max: String(RANGE.max), step: String(RANGE.step), value: String(RANGE.initial) });
    slider.setAttribute('aria-label', attribute);
    const box = document.createElement('input');
    Object.assign(box, { type: 'number', step: 'any', value: String(RANGE.initial) });
    box.dataset.attribute = attribute;
    slider.addEventListener('input', () => (box.value = slider.value));
    box.addEventListener('input', () => {
      const v = Number(box.value);
      if (!Number.isFinite(v)) return;
      if (v > Number(slider.max)) slider.max = String(v);
      if (v < Number(slider.min)) slider.min = String(v);
      slider.value = String(v);
    });
    label.append(name, slider, box);
    container.append(label);
    return box;
  });
  return () => boxes.map((box) => Number(box.value));
}
