import { HostCheck } from "./HostCheck";

export function App() {
  return <HostCheck />;
}
