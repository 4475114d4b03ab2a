import { createSignal, Show } from "solid-js";
import { HostCheck } from "./hostcheck/HostCheck";
import { Machines } from "./machines/Machines";
import { Preferences } from "./preferences/Preferences";
import { type View, ViewSwitcher } from "./shared/TopBar";

export interface AppProps {
  /** The view to open on; defaults to the URL's hash (`#host-check`), else Machines. */
  initialView?: View;
}

function viewFromHash(): View {
  if (typeof window === "undefined") return "machines";
  if (window.location.hash === "#host-check") return "host-check";
  if (window.location.hash === "#preferences") return "preferences";
  return "machines";
}

/**
 * The two main views stay mounted once opened (hidden when not shown): the inventory keeps its
 * live subscription and the host check its last result. The check first runs when its view
 * opens. Preferences hold no state of their own (the store does) and mount only when shown.
 */
export function App(props: AppProps) {
  const [view, setView] = createSignal<View>(props.initialView ?? viewFromHash());
  const [hostCheckOpened, setHostCheckOpened] = createSignal(view() === "host-check");

  function select(next: View) {
    if (next === "host-check") setHostCheckOpened(true);
    setView(next);
    if (typeof history !== "undefined") {
      history.replaceState(null, "", next === "machines" ? "#" : `#${next}`);
    }
  }

  const nav = () => <ViewSwitcher current={view()} onSelect={select} />;

  return (
    <>
      <div class="view" hidden={view() !== "machines"}>
        <Machines nav={nav()} active={view() === "machines"} />
      </div>
      <Show when={hostCheckOpened()}>
        <div class="view" hidden={view() !== "host-check"}>
          <HostCheck nav={nav()} />
        </div>
      </Show>
      <Show when={view() === "preferences"}>
        <div class="view">
          <Preferences nav={nav()} />
        </div>
      </Show>
    </>
  );
}
