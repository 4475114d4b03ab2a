import { type JSX, onMount } from "solid-js";

/** An error at its field, scrolled into view when it appears (it may be below the fold). */
export function InlineError(props: { testId: string; children: JSX.Element }) {
  let el: HTMLDivElement | undefined;
  onMount(() => el?.scrollIntoView?.({ block: "nearest" }));
  return (
    <div ref={el} class="inline-error" role="alert" data-testid={props.testId}>
      <p>{props.children}</p>
    </div>
  );
}
