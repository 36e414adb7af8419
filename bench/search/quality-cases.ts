import type { SearchEngine } from '../../src/services/search/engine/engine.js';
import type { SearchJobDoc, SearchQuery } from '../../src/services/search/engine/types.js';

/**
 * Search quality cases: job posts written the way real ones are (targets), and what a worker would
 * type to find them. They are added to a generated corpus (bench/search/generate.ts): a positive
 * case passes when every expected post is in the top 3; a negative case passes when the query does
 * not return the post (searched right at its place, nearest first, so a match would come first),
 * and the post's own words (`sanity`) do find it, so a negative cannot pass by the post being lost.
 *
 * Shared by `npm run bench:search:quality` (1,000,000 generated posts) and
 * test/search/quality.test.ts (20,000, every CI run).
 */

const BASE = Date.UTC(2026, 2, 1);
const DAY = 86_400_000;

const CENTRES: Record<string, { lng: number; lat: number }> = {
  上海市: { lng: 121.4737, lat: 31.2304 },
  北京市: { lng: 116.4074, lat: 39.9042 },
  广州市: { lng: 113.2644, lat: 23.1291 },
  深圳市: { lng: 114.0579, lat: 22.5431 },
  杭州市: { lng: 120.1551, lat: 30.2741 },
  成都市: { lng: 104.0665, lat: 30.5723 },
  武汉市: { lng: 114.3054, lat: 30.5931 },
  西安市: { lng: 108.9398, lat: 34.3416 },
  南京市: { lng: 118.7969, lat: 32.0603 },
  重庆市: { lng: 106.5516, lat: 29.563 },
};

let n = 0;
function post(
  key: string,
  city: string,
  /** Kilometres east and north of the city centre. */
  offset: [number, number],
  fields: Pick<SearchJobDoc, 'title' | 'description' | 'category' | 'tags' | 'payType' | 'payAmountFen'> &
    Partial<SearchJobDoc>,
): [string, SearchJobDoc] {
  n++;
  const c = CENTRES[city]!;
  return [
    key,
    {
      jobId: `01JTARGET${String(n).padStart(17, '0')}`,
      version: 1,
      settlement: 'daily',
      employerVerified: true,
      city,
      location: {
        lng: Math.round((c.lng + offset[0] / (111.32 * Math.cos((c.lat * Math.PI) / 180))) * 1e6) / 1e6,
        lat: Math.round((c.lat + offset[1] / 110.57) * 1e6) / 1e6,
      },
      startsAt: BASE + 2 * DAY,
      endsAt: BASE + 3 * DAY,
      publishedAt: BASE - DAY,
      ...fields,
    },
  ];
}

export const TARGETS = new Map<string, SearchJobDoc>([
  post('airport-porter', '上海市', [30, -5], {
    title: '浦东机场T2航站楼 行李搬运工 日结260元',
    description: '协助旅客搬运行李，早班6点到岗，机场提供工作餐，当天结算。',
    category: 'moving.loader',
    tags: ['日结', '包餐'],
    payType: 'daily',
    payAmountFen: 26000,
  }),
  post('wedding-photo', '北京市', [3, 4], {
    title: '周末婚礼跟拍摄影师 单场800元',
    description: '负责婚礼现场跟拍，需自带相机，有婚礼跟拍作品优先。',
    category: 'events.photographer',
    tags: ['周末'],
    payType: 'fixed',
    payAmountFen: 80000,
    settlement: 'on_completion',
  }),
  post('english-tutor', '杭州市', [-2, 1], {
    title: '小学三年级英语家教 每周两次',
    description: '辅导小学英语，要求英语专业在校大学生，西湖区上门。',
    category: 'education.tutor',
    tags: ['上门'],
    payType: 'hourly',
    payAmountFen: 8000,
    settlement: 'weekly',
  }),
  post('milk-tea', '成都市', [1, -1], {
    title: '奶茶店兼职店员 时薪18元',
    description: '负责点单、制作奶茶和打扫卫生，周末优先，可学做饮品。',
    category: 'food.waiter',
    tags: ['周末'],
    payType: 'hourly',
    payAmountFen: 1800,
  }),
  post('kfc-early', '上海市', [-6, 3], {
    title: 'KFC早餐档兼职 时薪23元',
    description: '早上6点到10点，负责早餐备餐和收银，肯德基门店。',
    category: 'food.waiter',
    tags: ['早班'],
    payType: 'hourly',
    payAmountFen: 2300,
  }),
  post('daily-200-cleaner', '广州市', [4, 2], {
    title: '急招写字楼保洁阿姨 200元/天',
    description: '天河写字楼日常保洁，做一休一，日结200元。',
    category: 'housekeeping.cleaner',
    tags: ['日结'],
    payType: 'daily',
    payAmountFen: 20000,
  }),
  post('maternity-nurse', '广州市', [-3, -4], {
    title: '金牌月嫂 26天一单 13800元',
    description: '照顾产妇和新生儿，需有育婴师证，住家。',
    category: 'housekeeping.nanny',
    tags: ['住家'],
    payType: 'fixed',
    payAmountFen: 1380000,
    settlement: 'on_completion',
  }),
  post('cold-forklift', '武汉市', [8, -6], {
    title: '冷库叉车司机 持证上岗 日薪350',
    description: '冷链仓库内叉车作业，零下18度环境，公司发防寒服。',
    category: 'logistics.forklift',
    tags: ['持证'],
    payType: 'daily',
    payAmountFen: 35000,
  }),
  post('cold-sorter', '武汉市', [9, -6], {
    title: '冷库分拣员 夜班 日结230',
    description: '生鲜冷库夜间分拣打包，晚10点到早6点，提供防寒服。',
    category: 'logistics.sorter',
    tags: ['夜班', '日结'],
    payType: 'daily',
    payAmountFen: 23000,
  }),
  post('cet-invigilator', '西安市', [2, 5], {
    title: '四六级考试监考员 周六全天',
    description: '大学英语四六级考试监考，需提前参加考务培训，完工结算。',
    category: 'education.invigilator',
    tags: ['周末'],
    payType: 'fixed',
    payAmountFen: 30000,
    settlement: 'on_completion',
  }),
  post('expo-translator', '上海市', [-12, 0], {
    title: '进博会展会日语翻译 3天',
    description: '国家会展中心展位陪同翻译，日语N1，会务经验优先。',
    category: 'events.staff',
    tags: ['日语'],
    payType: 'daily',
    payAmountFen: 80000,
    settlement: 'on_completion',
  }),
  post('library', '南京市', [1, 2], {
    title: '图书馆图书整理员 寒假兼职',
    description: '负责图书归架、整理书库，适合大学生寒假兼职。',
    category: 'retail.stocker',
    tags: ['寒假'],
    payType: 'hourly',
    payAmountFen: 2000,
    settlement: 'weekly',
  }),
  post('pet-groomer', '深圳市', [-5, 2], {
    title: '宠物店洗护助理 包吃住',
    description: '协助宠物美容师给猫狗洗澡吹毛，喜欢小动物。',
    category: 'retail.sales_assistant',
    tags: ['包吃住'],
    payType: 'daily',
    payAmountFen: 18000,
  }),
  post('chauffeur', '重庆市', [2, -2], {
    title: '夜间代驾司机 按单结算',
    description: '晚8点后接单代驾，需驾龄3年以上，无不良记录。',
    category: 'delivery.driver',
    tags: ['夜班'],
    payType: 'piece',
    payAmountFen: 5000,
  }),
  post('esports', '成都市', [3, 3], {
    title: '电竞馆夜班网管 包住',
    description: '负责电竞馆设备维护和收银，会装机优先。',
    category: 'office.receptionist',
    tags: ['夜班', '包住'],
    payType: 'daily',
    payAmountFen: 15000,
  }),
  post('ski-coach', '北京市', [-40, 30], {
    title: '滑雪场单板教练 寒假兼职',
    description: '崇礼滑雪场单板初级教学，需有教练证。',
    category: 'events.staff',
    tags: ['寒假'],
    payType: 'daily',
    payAmountFen: 60000,
  }),
  post('metro-security', '广州市', [0, 6], {
    title: '地铁站安检员 四班三倒',
    description: '地铁站进站安检，负责X光机值守和人工检查。',
    category: 'security.guard',
    tags: ['倒班'],
    payType: 'hourly',
    payAmountFen: 2200,
    settlement: 'weekly',
  }),
  post('hospital-escort', '上海市', [2, 7], {
    title: '医院陪诊员 半天班',
    description: '陪同老人就医挂号、取药、缴费，耐心细致。',
    category: 'housekeeping.elder_care',
    tags: ['半天'],
    payType: 'fixed',
    payAmountFen: 15000,
  }),
  post('late-rider', '杭州市', [4, -3], {
    title: '夜宵外卖骑手 按单计费',
    description: '晚9点到凌晨2点配送夜宵，自备电动车。',
    category: 'delivery.courier',
    tags: ['夜班'],
    payType: 'piece',
    payAmountFen: 700,
  }),
  post('survey', '南京市', [-3, -2], {
    title: '街头问卷调查员 日结150',
    description: '在商圈发放并回收问卷，一天完成50份。',
    category: 'retail.promoter',
    tags: ['日结'],
    payType: 'daily',
    payAmountFen: 15000,
  }),
  post('fitting-model', '杭州市', [-6, 5], {
    title: '服装店试衣模特 身高165以上',
    description: '女装电商试衣拍照，身材匀称，时间灵活。',
    category: 'events.usher',
    tags: ['拍照'],
    payType: 'hourly',
    payAmountFen: 10000,
  }),
  post('medical-label', '上海市', [5, -9], {
    title: '医学影像标注员 可远程',
    description: '对CT影像做病灶框选标注，医学相关专业优先。',
    category: 'data_labeling.image',
    tags: ['远程'],
    payType: 'piece',
    payAmountFen: 300,
    settlement: 'weekly',
  }),
  post('cantonese-cs', '广州市', [7, 1], {
    title: '粤语电话客服 周结',
    description: '接听客户来电，需会讲粤语和普通话。',
    category: 'customer_service.phone',
    tags: ['周结'],
    payType: 'hourly',
    payAmountFen: 2500,
    settlement: 'weekly',
  }),
  post('latte-art', '上海市', [1, 1], {
    title: '精品咖啡馆咖啡师 会拉花',
    description: '需会意式咖啡制作和拉花，有一年以上经验。',
    category: 'food.barista',
    tags: ['经验'],
    payType: 'hourly',
    payAmountFen: 3000,
    settlement: 'weekly',
  }),
  post('bbq', '西安市', [-2, -3], {
    title: '夜市烧烤店帮工 日结180',
    description: '串串备料、烤串和收桌，晚6点到凌晨1点。',
    category: 'food.kitchen_helper',
    tags: ['日结', '夜班'],
    payType: 'daily',
    payAmountFen: 18000,
  }),
  post('piano-mover', '北京市', [6, -2], {
    title: '钢琴搬运 搬家公司急招',
    description: '专业钢琴搬运，楼梯搬运需三人配合，按次结算。',
    category: 'moving.mover',
    tags: ['急招'],
    payType: 'fixed',
    payAmountFen: 40000,
    settlement: 'on_completion',
  }),
  post('villa-clean', '深圳市', [9, 4], {
    title: '别墅开荒保洁 三人一组',
    description: '新装修别墅开荒，擦玻璃、清理装修垃圾，工具公司提供。',
    category: 'housekeeping.deep_clean',
    tags: ['团队'],
    payType: 'fixed',
    payAmountFen: 60000,
    settlement: 'on_completion',
  }),
  post('double-eleven', '杭州市', [10, 8], {
    title: '双十一仓库打包员 包吃 日结',
    description: '电商大促期间仓库打包发货，多劳多得。',
    category: 'logistics.packer',
    tags: ['包吃', '日结'],
    payType: 'daily',
    payAmountFen: 22000,
  }),
  post('courier-station', '武汉市', [-4, 3], {
    title: '菜鸟驿站快递分拣 下午班',
    description: '驿站包裹上架和分拣，学生可做。',
    category: 'logistics.sorter',
    tags: ['学生'],
    payType: 'hourly',
    payAmountFen: 1900,
    settlement: 'weekly',
  }),
  post('night-stocktake', '重庆市', [-3, 1], {
    title: '超市夜间盘点员 通宵',
    description: '大型超市年终盘点，晚10点开始，提供夜宵。',
    category: 'logistics.inventory',
    tags: ['夜班'],
    payType: 'fixed',
    payAmountFen: 25000,
  }),
  post('auto-show', '上海市', [-20, -8], {
    title: '车展礼仪模特 身高168',
    description: '国际车展展台礼仪，形象气质佳，有车展经验优先。',
    category: 'events.usher',
    tags: ['形象好'],
    payType: 'daily',
    payAmountFen: 120000,
    settlement: 'on_completion',
  }),
  post('costa', '深圳市', [2, 6], {
    title: 'COSTA咖啡 兼职咖啡师',
    description: '门店咖啡制作和收银，有咖啡证优先。',
    category: 'food.barista',
    tags: ['兼职'],
    payType: 'hourly',
    payAmountFen: 2400,
  }),
  post('sorter-25', '成都市', [-7, -4], {
    title: '快递仓分拣员 时薪25元',
    description: '高新区快递仓分拣，长白班，包工作餐。',
    category: 'logistics.sorter',
    tags: ['包餐'],
    payType: 'hourly',
    payAmountFen: 2500,
  }),
  // Posts that the negative cases must not return.
  post('guard', '上海市', [11, 12], {
    title: '小区保安 夜班 包住',
    description: '负责小区门岗和夜间巡逻，退伍军人优先。',
    category: 'security.guard',
    tags: ['包住'],
    payType: 'daily',
    payAmountFen: 16000,
  }),
  post('home-cleaning', '北京市', [-9, -7], {
    title: '家庭保洁 钟点工 35元/小时',
    description: '上门打扫卫生、擦窗、整理收纳。',
    category: 'housekeeping.cleaner',
    tags: ['上门'],
    payType: 'hourly',
    payAmountFen: 3500,
  }),
  post('mall-cleaner', '深圳市', [-11, -3], {
    title: '商场保洁阿姨 做六休一',
    description: '商场公共区域清洁，上午班。',
    category: 'housekeeping.cleaner',
    tags: ['上午班'],
    payType: 'daily',
    payAmountFen: 15000,
  }),
  post('service-desk', '杭州市', [12, -9], {
    title: '客户服务中心 前台接待',
    description: '接待来访客户，登记信息，引导办理业务。',
    category: 'office.receptionist',
    tags: ['长白班'],
    payType: 'daily',
    payAmountFen: 16000,
  }),
  post('picker', '南京市', [9, 9], {
    title: '超市拣货员 线上订单',
    description: '根据线上订单在超市内拣货打包。',
    category: 'retail.stocker',
    tags: ['白班'],
    payType: 'hourly',
    payAmountFen: 2000,
  }),
  post('wedding-host', '成都市', [-10, 8], {
    title: '婚礼司仪 周末兼职',
    description: '主持婚礼仪式，普通话标准，台风稳。',
    category: 'events.staff',
    tags: ['周末'],
    payType: 'fixed',
    payAmountFen: 100000,
    settlement: 'on_completion',
  }),
  post('furniture', '广州市', [-12, 10], {
    title: '家具安装师傅 按单结算',
    description: '上门安装衣柜、床等家具，自备工具。',
    category: 'moving.mover',
    tags: ['上门'],
    payType: 'piece',
    payAmountFen: 8000,
  }),
  post('weekly-stocker', '西安市', [10, -10], {
    title: '仓库理货员 周结 2000元/周',
    description: '仓库货物上架整理，周结工资，长白班。',
    category: 'retail.stocker',
    tags: ['周结'],
    payType: 'fixed',
    payAmountFen: 200000,
    settlement: 'weekly',
  }),
  post('daily-2000', '重庆市', [10, 10], {
    title: '日结 搬运工 2000元干完结',
    description: '工地材料搬运，一周完工，完工2000元。',
    category: 'moving.loader',
    tags: ['日结'],
    payType: 'fixed',
    payAmountFen: 200000,
  }),
  post('housekeeper', '武汉市', [11, 11], {
    title: '家政服务员 住家做饭',
    description: '负责一家三口做饭和日常家务。',
    category: 'housekeeping.cleaner',
    tags: ['住家'],
    payType: 'fixed',
    payAmountFen: 600000,
    settlement: 'on_completion',
  }),
  post('curry', '上海市', [-15, 12], {
    title: '咖喱饭店后厨帮工',
    description: '备菜、洗菜和打荷，包两餐。',
    category: 'food.kitchen_helper',
    tags: ['包餐'],
    payType: 'daily',
    payAmountFen: 17000,
  }),
  post('mcdonalds', '北京市', [12, 9], {
    title: '麦当劳 午市兼职 时薪22',
    description: '午市高峰收银和出餐。',
    category: 'food.waiter',
    tags: ['午市'],
    payType: 'hourly',
    payAmountFen: 2200,
  }),
]);

export interface PositiveCase {
  name: string;
  query: SearchQuery;
  /** Keys of TARGETS that must be in the top 3. */
  expect: string[];
}

export interface NegativeCase {
  name: string;
  keyword: string;
  /** Key of the TARGETS post the keyword must not return. */
  mustNotReturn: string;
  /** A keyword that does find that post. */
  sanity: string;
}

const at = (key: string, radiusMeters = 1000) => ({ ...TARGETS.get(key)!.location, radiusMeters });
const city = (key: string) => TARGETS.get(key)!.city;

export const POSITIVE: PositiveCase[] = [
  { name: '机场 搬运 (city)', query: { keyword: '机场 搬运', city: '上海' }, expect: ['airport-porter'] },
  { name: '婚礼 跟拍 (city)', query: { keyword: '婚礼跟拍', city: '北京' }, expect: ['wedding-photo'] },
  { name: '英语家教 (city)', query: { keyword: '英语家教', city: '杭州' }, expect: ['english-tutor'] },
  { name: '奶茶 (2 chars, city)', query: { keyword: '奶茶', city: '成都' }, expect: ['milk-tea'] },
  {
    name: 'KFC (upper case, near, by distance)',
    query: { keyword: 'KFC', near: at('kfc-early'), sort: 'distance' },
    expect: ['kfc-early'],
  },
  {
    name: 'kfc (lower case, near, by distance)',
    query: { keyword: 'kfc', near: at('kfc-early'), sort: 'distance' },
    expect: ['kfc-early'],
  },
  {
    name: 'ＫＦＣ 早餐 (full width)',
    query: { keyword: 'ＫＦＣ 早餐', city: '上海' },
    expect: ['kfc-early'],
  },
  {
    name: '日结 200 (mixed, near)',
    query: { keyword: '日结 200', near: at('daily-200-cleaner'), sort: 'distance' },
    expect: ['daily-200-cleaner'],
  },
  {
    name: '保洁 (2 chars, near me)',
    query: { keyword: '保洁', near: at('daily-200-cleaner', 500), sort: 'distance' },
    expect: ['daily-200-cleaner'],
  },
  { name: '月嫂 (city)', query: { keyword: '月嫂', city: '广州' }, expect: ['maternity-nurse'] },
  { name: '冷库 叉车', query: { keyword: '冷库 叉车', city: '武汉' }, expect: ['cold-forklift'] },
  { name: '冷库 分拣 夜班', query: { keyword: '冷库分拣 夜班', city: '武汉' }, expect: ['cold-sorter'] },
  {
    name: '冷库 (both posts)',
    query: { keyword: '冷库', city: '武汉' },
    expect: ['cold-forklift', 'cold-sorter'],
  },
  { name: '四六级 监考', query: { keyword: '四六级监考', city: '西安' }, expect: ['cet-invigilator'] },
  { name: '展会 日语 翻译', query: { keyword: '日语翻译', city: '上海' }, expect: ['expo-translator'] },
  { name: '图书馆 寒假', query: { keyword: '图书馆 寒假', city: '南京' }, expect: ['library'] },
  { name: '宠物 洗护', query: { keyword: '宠物洗护', city: '深圳' }, expect: ['pet-groomer'] },
  { name: '代驾 (whole country)', query: { keyword: '代驾' }, expect: ['chauffeur'] },
  { name: '电竞 网管', query: { keyword: '电竞 网管', city: '成都' }, expect: ['esports'] },
  { name: '滑雪 教练', query: { keyword: '滑雪教练' }, expect: ['ski-coach'] },
  { name: '地铁 安检', query: { keyword: '地铁安检', city: '广州' }, expect: ['metro-security'] },
  { name: '陪诊', query: { keyword: '陪诊', city: city('hospital-escort') }, expect: ['hospital-escort'] },
  { name: '夜宵 骑手', query: { keyword: '夜宵骑手', city: '杭州' }, expect: ['late-rider'] },
  { name: '问卷调查', query: { keyword: '问卷调查', city: '南京' }, expect: ['survey'] },
  { name: '试衣模特', query: { keyword: '试衣模特', city: '杭州' }, expect: ['fitting-model'] },
  { name: '医学 标注 远程', query: { keyword: '医学影像标注' }, expect: ['medical-label'] },
  { name: '粤语 客服', query: { keyword: '粤语客服', city: '广州' }, expect: ['cantonese-cs'] },
  { name: '咖啡师 拉花', query: { keyword: '咖啡师 拉花', city: '上海' }, expect: ['latte-art'] },
  { name: '烧烤 帮工 日结', query: { keyword: '烧烤 日结', city: '西安' }, expect: ['bbq'] },
  { name: '钢琴 搬运', query: { keyword: '钢琴搬运', city: '北京' }, expect: ['piano-mover'] },
  { name: '别墅 开荒保洁', query: { keyword: '别墅开荒保洁', city: '深圳' }, expect: ['villa-clean'] },
  { name: '双十一 打包', query: { keyword: '双十一 打包', city: '杭州' }, expect: ['double-eleven'] },
  { name: '菜鸟驿站', query: { keyword: '菜鸟驿站', city: '武汉' }, expect: ['courier-station'] },
  { name: '超市 盘点 通宵', query: { keyword: '超市盘点 通宵', city: '重庆' }, expect: ['night-stocktake'] },
  { name: '车展 礼仪', query: { keyword: '车展礼仪', city: '上海' }, expect: ['auto-show'] },
  { name: 'costa (latin brand, lower case)', query: { keyword: 'costa', city: '深圳' }, expect: ['costa'] },
  {
    name: '分拣 25 (mixed, near, filters)',
    query: {
      keyword: '分拣 25',
      near: at('sorter-25', 2000),
      sort: 'distance',
      filters: { payTypes: ['hourly'], minPayFen: 2500 },
    },
    expect: ['sorter-25'],
  },
];

export const NEGATIVE: NegativeCase[] = [
  { name: '保洁 ↛ 保安', keyword: '保洁', mustNotReturn: 'guard', sanity: '保安' },
  { name: '家教 ↛ 家庭保洁', keyword: '家教', mustNotReturn: 'home-cleaning', sanity: '家庭保洁' },
  { name: '保安 ↛ 保洁', keyword: '保安', mustNotReturn: 'mall-cleaner', sanity: '保洁' },
  { name: '服务员 ↛ 客户服务中心', keyword: '服务员', mustNotReturn: 'service-desk', sanity: '客户服务' },
  { name: '分拣 ↛ 拣货', keyword: '分拣', mustNotReturn: 'picker', sanity: '拣货' },
  { name: '司机 ↛ 司仪', keyword: '司机', mustNotReturn: 'wedding-host', sanity: '司仪' },
  { name: '搬家 ↛ 家具安装', keyword: '搬家', mustNotReturn: 'furniture', sanity: '家具安装' },
  { name: '日结 ↛ 周结 only', keyword: '日结', mustNotReturn: 'weekly-stocker', sanity: '周结' },
  { name: '日结 200 ↛ 2000', keyword: '日结 200', mustNotReturn: 'daily-2000', sanity: '日结 2000' },
  { name: '家教 ↛ 家政', keyword: '家教', mustNotReturn: 'housekeeper', sanity: '家政' },
  { name: '咖啡 ↛ 咖喱', keyword: '咖啡', mustNotReturn: 'curry', sanity: '咖喱' },
  { name: 'kfc ↛ 麦当劳', keyword: 'kfc', mustNotReturn: 'mcdonalds', sanity: '麦当劳' },
];

export interface CaseResult {
  name: string;
  pass: boolean;
  detail: string;
}

/** Runs every case against an engine that holds the corpus and all TARGETS. */
export function runQualityCases(engine: SearchEngine): CaseResult[] {
  const key = new Map([...TARGETS].map(([k, d]) => [d.jobId, k]));
  const label = (ids: string[]): string => ids.map((id) => key.get(id) ?? id.slice(-6)).join(', ');
  const results: CaseResult[] = [];
  for (const c of POSITIVE) {
    const hits = engine.search({ ...c.query, limit: 3 }).hits.map((h) => h.jobId);
    const wanted = c.expect.map((k) => TARGETS.get(k)!.jobId);
    const pass = wanted.every((id) => hits.includes(id));
    results.push({ name: `+ ${c.name}`, pass, detail: `top 3: ${label(hits)}` });
  }
  for (const c of NEGATIVE) {
    const target = TARGETS.get(c.mustNotReturn)!;
    const near = { ...target.location, radiusMeters: 1000 };
    const hits = engine.search({ keyword: c.keyword, near, sort: 'distance', limit: 50 }).hits;
    const returned = hits.some((h) => h.jobId === target.jobId);
    const found = engine
      .search({ keyword: c.sanity, near, sort: 'distance', limit: 3 })
      .hits.some((h) => h.jobId === target.jobId);
    results.push({
      name: `- ${c.name}`,
      pass: !returned && found,
      detail: returned
        ? `"${c.keyword}" returned it`
        : found
          ? 'not returned'
          : `"${c.sanity}" did not find it`,
    });
  }
  return results;
}
