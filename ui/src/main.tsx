import { render } from "solid-js/web";
// The shared stylesheets, in cascade order, before any feature's: a feature's rules override
// them. (Each feature component imports its own sheet, before its child components.)
import "./shared/tokens.css";
import "./shared/base.css";
import "./shared/banner.css";
import "./shared/badge.css";
import "./shared/menu.css";
import "./shared/modal.css";
import "./shared/topbar.css";
import "./shared/disk.css";
import { App } from "./App";
import { BackendProvider } from "./backend";
import { tauriBackend } from "./backend/tauri";
import { installTooltips } from "./tooltip/tooltip";
import "./tooltip/tooltip.css";

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
render(
  () => (
    <BackendProvider backend={tauriBackend()}>
      <App />
    </BackendProvider>
  ),
  root,
);
installTooltips();
