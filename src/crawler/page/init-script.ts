/**
 * Installed before any page script runs. MSE players give the <video> a `blob:` URL whose bytes
 * never appear as a URL of their own; recording which blob URLs wrap a MediaSource, and which
 * codecs were added to it, tells the crawler that the manifest and segments it saw on the network
 * belong to a player on this page. It also disarms window.open so popups cannot take the crawl away.
 */
export const INIT_SCRIPT = `(() => {
  const records = [];
  Object.defineProperty(window, '__hwMse', { value: records, enumerable: false });
  const sources = new WeakMap();
  if (window.MediaSource) {
    const addSourceBuffer = MediaSource.prototype.addSourceBuffer;
    MediaSource.prototype.addSourceBuffer = function (mime) {
      const rec = sources.get(this);
      if (rec) rec.mimeTypes.push(String(mime));
      return addSourceBuffer.call(this, mime);
    };
  }
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = function (obj) {
    const url = createObjectURL.call(URL, obj);
    if (window.MediaSource && obj instanceof MediaSource) {
      const rec = { blobUrl: url, mimeTypes: [] };
      sources.set(obj, rec);
      records.push(rec);
    }
    return url;
  };
  window.open = () => null;
})();`;
