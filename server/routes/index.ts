// Every route of the API, in the order the OpenAPI document lists them.

import type { RouteSpec } from "../route.ts";
import { campaignRoutes } from "./campaigns.ts";
import { deviceRoutes } from "./devices.ts";
import { eventRoutes } from "./events.ts";
import { opsRoutes } from "./ops.ts";
import { reportRoutes } from "./report.ts";
import { specRoutes } from "./specs.ts";

export const API_ROUTES: readonly RouteSpec[] = [...campaignRoutes, ...eventRoutes, ...reportRoutes, ...specRoutes, ...deviceRoutes, ...opsRoutes];
