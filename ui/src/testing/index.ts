// What component tests need: the fake backend and a render that provides it.
export * from "./fakeBackend";
export { renderWithBackend } from "./render";
