/**
 * Minimal Reflect metadata polyfill. @peculiar/x509 uses tsyringe, which refuses to load
 * unless `Reflect.getMetadata` exists. The SDK has no reflect-metadata dependency, so this
 * module installs the small subset tsyringe needs (define/get/has metadata, with prototype
 * lookup) when, and only when, no polyfill is present. Import it before @peculiar/x509.
 */
type Key = string | symbol;
type Store = Map<Key | undefined, Map<unknown, unknown>>;
const stores = new WeakMap<object, Store>();

function own(target: object, prop: Key | undefined, create: boolean): Map<unknown, unknown> | undefined {
  let s = stores.get(target);
  if (!s) {
    if (!create) return undefined;
    s = new Map();
    stores.set(target, s);
  }
  let m = s.get(prop);
  if (!m && create) {
    m = new Map();
    s.set(prop, m);
  }
  return m;
}

interface ReflectMeta {
  defineMetadata(k: unknown, v: unknown, t: object, p?: Key): void;
  getOwnMetadata(k: unknown, t: object, p?: Key): unknown;
  getMetadata(k: unknown, t: object, p?: Key): unknown;
  hasOwnMetadata(k: unknown, t: object, p?: Key): boolean;
  hasMetadata(k: unknown, t: object, p?: Key): boolean;
  metadata(k: unknown, v: unknown): (t: object, p?: Key) => void;
}

const R = Reflect as unknown as Partial<ReflectMeta>;
if (typeof R.getMetadata !== "function") {
  const impl: ReflectMeta = {
    defineMetadata(k, v, t, p) {
      own(t, p, true)?.set(k, v);
    },
    getOwnMetadata(k, t, p) {
      return own(t, p, false)?.get(k);
    },
    hasOwnMetadata(k, t, p) {
      return own(t, p, false)?.has(k) ?? false;
    },
    getMetadata(k, t, p) {
      for (let o: object | null = t; o; o = Object.getPrototypeOf(o)) {
        const m = own(o, p, false);
        if (m?.has(k)) return m.get(k);
      }
      return undefined;
    },
    hasMetadata(k, t, p) {
      for (let o: object | null = t; o; o = Object.getPrototypeOf(o)) if (own(o, p, false)?.has(k)) return true;
      return false;
    },
    metadata(k, v) {
      return (t, p) => impl.defineMetadata(k, v, t, p);
    },
  };
  Object.assign(Reflect, impl);
}

export {};
