/** The run search language: parse (pure, shared with the browser) and compile to a parameterised SQL condition. */
export { type CompiledSearch, compileSearch } from "./compile";
export {
  parseSearch,
  SEARCH_LIMITS,
  type SearchNode,
  SearchSyntaxError,
  sameValueQuery,
} from "./parse";
