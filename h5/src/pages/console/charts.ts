/**
 * ECharts for the console, assembled from `echarts/core` with only the charts and components the 数据
 * page draws and the canvas renderer, so the console's chart chunk stays small and the member center
 * and the sidebar (which import none of this) load no ECharts at all. A page imports `VChart` and the
 * option types from here.
 */
import { use, type ComposeOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import {
  BarChart,
  LineChart,
  FunnelChart,
  HeatmapChart,
  type BarSeriesOption,
  type LineSeriesOption,
  type FunnelSeriesOption,
  type HeatmapSeriesOption,
} from 'echarts/charts';
import {
  GridComponent,
  TooltipComponent,
  LegendComponent,
  VisualMapComponent,
  type GridComponentOption,
  type TooltipComponentOption,
  type LegendComponentOption,
  type VisualMapComponentOption,
} from 'echarts/components';

use([CanvasRenderer, BarChart, LineChart, FunnelChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent]);

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | FunnelSeriesOption
  | HeatmapSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | VisualMapComponentOption
>;

export { default as VChart } from 'vue-echarts';

/** Whether the system asks for less motion (prefers-reduced-motion): charts then draw without animating. */
export const reducedMotion = (): boolean => typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
