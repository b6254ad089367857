/**
 * SVG -> PNG at `scale` times the SVG's size, with the machine's fonts. resvg
 * is a Rust SVG renderer whose npm package ships prebuilt binaries (no canvas,
 * no browser, nothing downloaded at install).
 */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  // Loaded on first use, like vega: only commands that write a report load the native renderer.
  const { Resvg } = await import('@resvg/resvg-js');
  const image = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).render();
  return image.asPng();
}
