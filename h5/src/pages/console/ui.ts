/**
 * The console's Element Plus components, imported one by one with their own styles, so that only the
 * console's chunk carries them: the member center and the sidebar (Vant, on phones) load none of this.
 * A console page imports what it uses from here.
 */
import 'element-plus/es/components/base/style/css';
import 'element-plus/es/components/config-provider/style/css';
import 'element-plus/es/components/container/style/css';
import 'element-plus/es/components/aside/style/css';
import 'element-plus/es/components/header/style/css';
import 'element-plus/es/components/main/style/css';
import 'element-plus/es/components/menu/style/css';
import 'element-plus/es/components/menu-item/style/css';
import 'element-plus/es/components/menu-item-group/style/css';
import 'element-plus/es/components/tag/style/css';
import 'element-plus/es/components/button/style/css';
import 'element-plus/es/components/empty/style/css';
import 'element-plus/es/components/table/style/css';
import 'element-plus/es/components/table-column/style/css';
import 'element-plus/es/components/pagination/style/css';
import 'element-plus/es/components/select/style/css';
import 'element-plus/es/components/option/style/css';
import 'element-plus/es/components/input/style/css';
import 'element-plus/es/components/form/style/css';
import 'element-plus/es/components/form-item/style/css';
import 'element-plus/es/components/drawer/style/css';
import 'element-plus/es/components/dialog/style/css';
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import 'element-plus/es/components/loading/style/css';
import 'element-plus/es/components/tooltip/style/css';
import 'element-plus/es/components/checkbox/style/css';
import 'element-plus/es/components/radio-group/style/css';
import 'element-plus/es/components/radio/style/css';
import 'element-plus/es/components/radio-button/style/css';
import 'element-plus/es/components/input-number/style/css';
import 'element-plus/es/components/dropdown/style/css';
import 'element-plus/es/components/dropdown-menu/style/css';
import 'element-plus/es/components/dropdown-item/style/css';
import 'element-plus/es/components/divider/style/css';
import 'element-plus/es/components/date-picker/style/css';
import 'element-plus/es/components/switch/style/css';
import 'element-plus/es/components/checkbox-group/style/css';
import 'element-plus/es/components/alert/style/css';
import 'element-plus/es/components/descriptions/style/css';
import 'element-plus/es/components/descriptions-item/style/css';
import 'element-plus/es/components/time-select/style/css';
import 'element-plus/es/components/progress/style/css';
import 'element-plus/es/components/tabs/style/css';
import 'element-plus/es/components/tab-pane/style/css';
import 'element-plus/es/components/upload/style/css';

export {
  ElConfigProvider,
  ElContainer,
  ElAside,
  ElHeader,
  ElMain,
  ElMenu,
  ElMenuItem,
  ElMenuItemGroup,
  ElTag,
  ElButton,
  ElEmpty,
  ElTable,
  ElTableColumn,
  ElPagination,
  ElSelect,
  ElOption,
  ElInput,
  ElForm,
  ElFormItem,
  ElDrawer,
  ElDialog,
  ElMessage,
  ElMessageBox,
  ElTooltip,
  ElRadioGroup,
  ElRadio,
  ElRadioButton,
  ElInputNumber,
  ElCheckbox,
  ElDropdown,
  ElDropdownMenu,
  ElDropdownItem,
  ElDivider,
  ElDatePicker,
  ElSwitch,
  ElCheckboxGroup,
  ElAlert,
  ElDescriptions,
  ElDescriptionsItem,
  ElTimeSelect,
  ElProgress,
  ElTabs,
  ElTabPane,
  ElUpload,
  vLoading,
} from 'element-plus';
export { default as elZhCn } from 'element-plus/es/locale/lang/zh-cn';
export { default as elEn } from 'element-plus/es/locale/lang/en';
