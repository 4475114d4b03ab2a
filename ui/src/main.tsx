import { render } from "solid-js/web";
import { App } from "./App";
import "./styles.css";
import { installTooltips } from "./tooltip/tooltip";
import "./tooltip/tooltip.css";

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
render(() => <App />, root);
installTooltips();
