/** Test-only: writes stored (uncompressed) ZIP archives laid out the way PyTorch lays them out. */
import { concatBytes } from '../../src/io/concat-bytes.js';
import { crc32 } from '../../src/io/crc32.js';

export interface ZipSource {
  name: string;
  data: Uint8Array;
}

export interface ZipOptions {
  /** Write ZIP64 end records and saturate the 32-bit fields, as PyTorch does for large files. */
  zip64?: boolean;
  /** Set the data-descriptor flag and leave local sizes zero, as PyTorch does. */
  dataDescriptor?: boolean;
}

const DATA_ALIGNMENT = 64;

export function buildZip(sources: readonly ZipSource[], options: ZipOptions = {}): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let position = 0;
  const emit = (chunk: Uint8Array) => {
    chunks.push(chunk);
    position += chunk.length;
  };

  for (const source of sources) {
    const name = encoder.encode(source.name);
    const crc = crc32(source.data);
    const localOffset = position;
    // Pad the local extra field so that the data starts 64-byte aligned (PyTorch's 'FB' field).
    const unpadded = localOffset + 30 + name.length + 4;
    const padding = (DATA_ALIGNMENT - (unpadded % DATA_ALIGNMENT)) % DATA_ALIGNMENT;
    const extra = new Uint8Array(4 + padding);
    new DataView(extra.buffer).setUint16(0, 0x4246, true);
    new DataView(extra.buffer).setUint16(2, padding, true);

    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 45, true);
    local.setUint16(6, options.dataDescriptor ? 0x0808 : 0x0800, true);
    local.setUint32(14, options.dataDescriptor ? 0 : crc, true);
    local.setUint32(18, options.dataDescriptor ? 0 : source.data.length, true);
    local.setUint32(22, options.dataDescriptor ? 0 : source.data.length, true);
    local.setUint16(26, name.length, true);
    local.setUint16(28, extra.length, true);
    emit(new Uint8Array(local.buffer));
    emit(name);
    emit(extra);
    emit(source.data);
    if (options.dataDescriptor) {
      const descriptor = new DataView(new ArrayBuffer(16));
      descriptor.setUint32(0, 0x08074b50, true);
      descriptor.setUint32(4, crc, true);
      descriptor.setUint32(8, source.data.length, true);
      descriptor.setUint32(12, source.data.length, true);
      emit(new Uint8Array(descriptor.buffer));
    }

    const zip64Extra = new DataView(new ArrayBuffer(options.zip64 ? 28 : 0));
    if (options.zip64) {
      zip64Extra.setUint16(0, 0x0001, true);
      zip64Extra.setUint16(2, 24, true);
      zip64Extra.setBigUint64(4, BigInt(source.data.length), true);
      zip64Extra.setBigUint64(12, BigInt(source.data.length), true);
      zip64Extra.setBigUint64(20, BigInt(localOffset), true);
    }
    const header = new DataView(new ArrayBuffer(46));
    header.setUint32(0, 0x02014b50, true);
    header.setUint16(4, 45, true);
    header.setUint16(6, 45, true);
    header.setUint16(8, options.dataDescriptor ? 0x0808 : 0x0800, true);
    header.setUint32(16, crc, true);
    header.setUint32(20, options.zip64 ? 0xffffffff : source.data.length, true);
    header.setUint32(24, options.zip64 ? 0xffffffff : source.data.length, true);
    header.setUint16(28, name.length, true);
    header.setUint16(30, zip64Extra.byteLength, true);
    header.setUint32(42, options.zip64 ? 0xffffffff : localOffset, true);
    central.push(new Uint8Array(header.buffer), name, new Uint8Array(zip64Extra.buffer));
  }

  const directoryOffset = position;
  for (const chunk of central) emit(chunk);
  const directorySize = position - directoryOffset;

  if (options.zip64) {
    const recordOffset = position;
    const record = new DataView(new ArrayBuffer(56));
    record.setUint32(0, 0x06064b50, true);
    record.setBigUint64(4, 44n, true);
    record.setUint16(12, 45, true);
    record.setUint16(14, 45, true);
    record.setBigUint64(24, BigInt(sources.length), true);
    record.setBigUint64(32, BigInt(sources.length), true);
    record.setBigUint64(40, BigInt(directorySize), true);
    record.setBigUint64(48, BigInt(directoryOffset), true);
    emit(new Uint8Array(record.buffer));
    const locator = new DataView(new ArrayBuffer(20));
    locator.setUint32(0, 0x07064b50, true);
    locator.setBigUint64(8, BigInt(recordOffset), true);
    locator.setUint32(16, 1, true);
    emit(new Uint8Array(locator.buffer));
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, options.zip64 ? 0xffff : sources.length, true);
  end.setUint16(10, options.zip64 ? 0xffff : sources.length, true);
  end.setUint32(12, options.zip64 ? 0xffffffff : directorySize, true);
  end.setUint32(16, options.zip64 ? 0xffffffff : directoryOffset, true);
  emit(new Uint8Array(end.buffer));

  return concatBytes(chunks);
}
