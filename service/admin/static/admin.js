// While an index build runs, show its progress and reload the page when it ends. The page
// works without this (a link reloads it); nothing else on the console needs a script.
(() => {
  const box = document.getElementById("build-status");
  if (!box || box.dataset.busy !== "true") return;
  const text = box.querySelector("[data-progress-text]");
  const bar = box.querySelector("progress");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.url, { credentials: "same-origin" });
      if (!response.ok) return;
      const state = await response.json();
      if (!state.busy) {
        window.location.reload();
        return;
      }
      if (text) text.textContent = state.progress || "Starting…";
      if (bar && state.total) {
        bar.max = state.total;
        bar.value = state.done;
      }
    } catch (error) {
      // the server may be restarting: try again on the next tick
    }
    window.setTimeout(poll, 1500);
  };
  window.setTimeout(poll, 1000);
})();
