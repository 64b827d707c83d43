// irc-framework ships no type declarations; the tests use it as an untyped
// real-world client, so `any` is the honest type here.
declare module 'irc-framework' {
  const IRC: any;
  export default IRC;
}
