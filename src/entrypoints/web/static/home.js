// The home page only needs the header's environment badge.
import { loadConfig } from "./common.js";

loadConfig().catch(() => {});
