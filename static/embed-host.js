// For pages that embed the lab: sizes each lab <iframe> to its content. An embedded lab
// posts {type: "sdl-embed:height", height: <CSS px>, scenario: <id>} to its parent
// whenever its height changes; this finds the <iframe> that sent it and sets its height.
// Copy it next to your page, or write the same few lines yourself.
window.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || data.type !== 'sdl-embed:height' || !Number.isFinite(data.height)) return;
  for (const frame of document.querySelectorAll('iframe')) {
    if (frame.contentWindow === event.source) {
      frame.height = String(Math.max(100, Math.min(5000, Math.round(data.height))));
    }
  }
});
