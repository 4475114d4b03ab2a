import { createSignal, Show } from "solid-js";
import { HostCheck } from "./hostcheck/HostCheck";
import { Machines } from "./machines/Machines";
import { type View, ViewSwitcher } from "./shared/TopBar";

export interface AppProps {
  /** The view to open on; defaults to the URL's hash (`#host-check`), else Machines. */
  initialView?: View;
}

function viewFromHash(): View {
  return typeof window !== "undefined" && window.location.hash === "#host-check"
    ? "host-check"
    : "machines";
}

/**
 * The two views stay mounted once opened (hidden when not shown): the inventory keeps its live
 * subscription and the host check its last result. The check first runs when its view opens.
 */
export function App(props: AppProps) {
  const [view, setView] = createSignal<View>(props.initialView ?? viewFromHash());
  const [hostCheckOpened, setHostCheckOpened] = createSignal(view() === "host-check");

  function select(next: View) {
    if (next === "host-check") setHostCheckOpened(true);
    setView(next);
    if (typeof history !== "undefined") {
      history.replaceState(null, "", next === "host-check" ? "#host-check" : "#");
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
    </>
  );
}
