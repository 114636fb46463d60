/** Every benchmark module, in the order they run. Add a module here to add a measurement. */
import type { BenchModule } from "../lib/types";
import { httpPages } from "./http-pages";

export const modules: BenchModule[] = [httpPages];
