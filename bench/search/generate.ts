import type { PayType, SearchJobDoc, Settlement } from '../../src/services/search/engine/types.js';

/**
 * A deterministic generator of realistic Chinese gig-job posts for search benchmarks and tests:
 * ten cities with real GCJ-02 centres, jobs clustered around business districts, titles and
 * descriptions written the way such posts are ("急招日结保洁阿姨 200元/天", "KFC 兼职服务员 时薪22元"),
 * categories from the gig taxonomy, pay, tags and settlement. The same seed gives the same posts.
 */

/** sfc32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ (seed * 31);
  let c = 0xb7e15162;
  let d = 1;
  const next = (): number => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

export interface City {
  name: string;
  lng: number;
  lat: number;
  weight: number;
  districts: string[];
}

/** City centres (GCJ-02, as picked on Amap) and a few districts each. */
export const CITIES: City[] = [
  {
    name: '上海市',
    lng: 121.4737,
    lat: 31.2304,
    weight: 18,
    districts: ['浦东', '徐汇', '静安', '闵行', '杨浦', '宝山'],
  },
  {
    name: '北京市',
    lng: 116.4074,
    lat: 39.9042,
    weight: 16,
    districts: ['朝阳', '海淀', '东城', '丰台', '通州', '昌平'],
  },
  {
    name: '广州市',
    lng: 113.2644,
    lat: 23.1291,
    weight: 12,
    districts: ['天河', '越秀', '海珠', '白云', '番禺'],
  },
  {
    name: '深圳市',
    lng: 114.0579,
    lat: 22.5431,
    weight: 12,
    districts: ['南山', '福田', '罗湖', '宝安', '龙岗'],
  },
  {
    name: '杭州市',
    lng: 120.1551,
    lat: 30.2741,
    weight: 9,
    districts: ['西湖', '滨江', '余杭', '拱墅', '萧山'],
  },
  {
    name: '成都市',
    lng: 104.0665,
    lat: 30.5723,
    weight: 9,
    districts: ['锦江', '武侯', '高新', '成华', '青羊'],
  },
  { name: '武汉市', lng: 114.3054, lat: 30.5931, weight: 7, districts: ['江汉', '武昌', '洪山', '汉阳'] },
  { name: '西安市', lng: 108.9398, lat: 34.3416, weight: 6, districts: ['雁塔', '碑林', '未央', '莲湖'] },
  { name: '南京市', lng: 118.7969, lat: 32.0603, weight: 6, districts: ['鼓楼', '玄武', '秦淮', '江宁'] },
  { name: '重庆市', lng: 106.5516, lat: 29.563, weight: 5, districts: ['渝中', '江北', '南岸', '沙坪坝'] },
];

interface CategorySpec {
  code: string;
  weight: number;
  pay: PayType[];
  titles: string[];
  duties: string[];
}

// {d} district, {b} brand, {p} pay phrase.
const CATEGORY_SPECS: CategorySpec[] = [
  {
    code: 'food.waiter',
    weight: 10,
    pay: ['hourly', 'daily'],
    titles: ['{b} 兼职服务员 {p}', '{d}火锅店招服务员 {p}', '急招日结服务员 {p}', '餐厅传菜员 周末兼职 {p}'],
    duties: ['负责点餐、传菜、收拾餐桌', '接待顾客，保持餐厅整洁', '高峰期协助出餐和引导顾客'],
  },
  {
    code: 'food.kitchen_helper',
    weight: 5,
    pay: ['hourly', 'daily'],
    titles: ['后厨帮工 {p}', '{b} 后厨打荷 {p}', '{d}食堂帮厨 日结 {p}'],
    duties: ['负责洗菜切菜、备料', '协助厨师完成出餐', '保持后厨卫生'],
  },
  {
    code: 'food.dishwasher',
    weight: 3,
    pay: ['hourly', 'daily'],
    titles: ['洗碗工 {p}', '{d}酒楼洗碗阿姨 {p}'],
    duties: ['负责餐具清洗消毒', '整理厨房用具'],
  },
  {
    code: 'food.barista',
    weight: 2,
    pay: ['hourly'],
    titles: ['{b} 咖啡师兼职 {p}', '{d}咖啡店店员 {p}'],
    duties: ['制作咖啡饮品', '收银和门店清洁'],
  },
  {
    code: 'retail.promoter',
    weight: 7,
    pay: ['daily', 'hourly'],
    titles: ['超市促销员 周末 {p}', '{b} 新品推广促销 {p}', '{d}商场促销员 日结 {p}'],
    duties: ['在超市门口推广新品，引导顾客试吃', '介绍产品，完成销售目标', '布置堆头和物料'],
  },
  {
    code: 'retail.flyer',
    weight: 5,
    pay: ['daily', 'piece'],
    titles: ['派单员 日结 {p}', '{d}地铁口发传单 {p}', '健身房派单 {p}'],
    duties: ['在指定地点派发传单', '引导路人扫码关注', '统计派发数量'],
  },
  {
    code: 'logistics.sorter',
    weight: 9,
    pay: ['hourly', 'daily', 'piece'],
    titles: ['{d}仓库分拣员 日结 {p}', '{b} 快递分拣 夜班 {p}', '电商仓库分拣打包 {p}'],
    duties: ['按订单分拣包裹', '扫描入库、上架', '夜班需熬夜，男女不限'],
  },
  {
    code: 'logistics.packer',
    weight: 5,
    pay: ['hourly', 'piece'],
    titles: ['打包员 {p}', '{d}电商仓打包 计件 {p}'],
    duties: ['商品打包、贴单', '核对订单数量'],
  },
  {
    code: 'housekeeping.cleaner',
    weight: 9,
    pay: ['daily', 'hourly', 'fixed'],
    titles: ['急招日结保洁阿姨 {p}', '{d}写字楼保洁员 {p}', '家庭保洁 小时工 {p}', '商场保洁 长期兼职 {p}'],
    duties: ['负责办公区域日常清洁', '擦拭桌面、拖地、倒垃圾', '家庭日常保洁，自带工具优先'],
  },
  {
    code: 'housekeeping.deep_clean',
    weight: 3,
    pay: ['fixed', 'daily'],
    titles: ['开荒保洁 {p}', '{d}新房开荒保洁 {p}'],
    duties: ['新装修房屋开荒清洁', '玻璃擦洗、地面除胶'],
  },
  {
    code: 'housekeeping.nanny',
    weight: 2,
    pay: ['daily'],
    titles: ['育儿嫂 {p}', '{d}住家育儿嫂 {p}'],
    duties: ['照顾婴幼儿饮食起居', '有育儿经验优先'],
  },
  {
    code: 'moving.loader',
    weight: 5,
    pay: ['daily', 'piece'],
    titles: ['装卸工 日结 {p}', '{d}物流园卸货 {p}'],
    duties: ['货车装卸，能吃苦耐劳', '搬运货物至指定位置'],
  },
  {
    code: 'moving.mover',
    weight: 3,
    pay: ['fixed', 'hourly'],
    titles: ['搬家工 {p}', '{d}搬家搬运 {p}'],
    duties: ['家具搬运、打包', '配合司机完成搬家'],
  },
  {
    code: 'events.usher',
    weight: 2,
    pay: ['daily'],
    titles: ['展会礼仪 {p}', '{d}年会礼仪小姐 {p}'],
    duties: ['展会现场迎宾引导', '身高165以上'],
  },
  {
    code: 'events.staff',
    weight: 3,
    pay: ['daily'],
    titles: ['展会服务 日结 {p}', '{d}会展中心临时工 {p}'],
    duties: ['会场签到、引导', '物料发放'],
  },
  {
    code: 'education.tutor',
    weight: 4,
    pay: ['hourly'],
    titles: ['初中数学家教 {p}', '{d}小学英语家教 {p}', '高中物理家教 周末 {p}'],
    duties: ['一对一辅导作业', '大学生优先，有教学经验', '每周两次，每次两小时'],
  },
  {
    code: 'education.invigilator',
    weight: 1,
    pay: ['fixed'],
    titles: ['考试监考 {p}', '{d}考点监考员 {p}'],
    duties: ['考场监考，维持考场秩序'],
  },
  {
    code: 'delivery.courier',
    weight: 6,
    pay: ['piece', 'hourly'],
    titles: ['{b} 骑手 {p}', '{d}外卖骑手 兼职 {p}', '同城配送员 {p}'],
    duties: ['按平台派单完成配送', '自备电动车', '熟悉周边道路'],
  },
  {
    code: 'delivery.errand',
    weight: 2,
    pay: ['piece'],
    titles: ['跑腿代办 {p}', '{d}同城跑腿 {p}'],
    duties: ['代买代送，排队代办'],
  },
  {
    code: 'customer_service.phone',
    weight: 2,
    pay: ['hourly', 'daily'],
    titles: ['电话客服 {p}', '{b} 客服兼职 {p}'],
    duties: ['接听客户来电，解答咨询', '普通话标准'],
  },
  {
    code: 'data_labeling.image',
    weight: 2,
    pay: ['piece', 'hourly'],
    titles: ['图像标注员 {p}', '数据标注 在家可做 {p}'],
    duties: ['按规范标注图片中的物体', '会用电脑即可'],
  },
  {
    code: 'security.guard',
    weight: 5,
    pay: ['daily', 'hourly'],
    titles: ['小区保安 {p}', '{d}商场保安 日结 {p}', '活动安保 临时 {p}'],
    duties: ['门岗值守、巡逻', '维持活动现场秩序', '退伍军人优先'],
  },
  {
    code: 'factory.assembly',
    weight: 5,
    pay: ['hourly', 'daily'],
    titles: ['电子厂普工 {p}', '{d}工厂流水线 日结 {p}'],
    duties: ['流水线组装', '坐班，工作轻松', '包午餐，有空调'],
  },
  {
    code: 'office.data_entry',
    weight: 2,
    pay: ['hourly'],
    titles: ['数据录入员 {p}', '{d}文员兼职 {p}'],
    duties: ['资料录入，打字速度快', '整理文档表格'],
  },
];

const BRANDS = [
  'KFC',
  '肯德基',
  '麦当劳',
  '星巴克',
  '盒马',
  '美团',
  '顺丰',
  '京东',
  '海底捞',
  '瑞幸',
  '全家',
  '屈臣氏',
];
const TAGS = [
  '日结',
  '周结',
  '包午餐',
  '包住',
  '提供工装',
  '男女不限',
  '学生可做',
  '长期',
  '周末',
  '夜班',
  '无需经验',
  '当天结',
];
const GENERIC = [
  '工作时间灵活，可长期合作',
  '要求身体健康，吃苦耐劳',
  '有相关经验者优先',
  '工资当天结算，不拖欠',
  '地铁站附近，交通方便',
  '年龄18-50岁',
  '提供岗前培训',
  '表现好可转长期',
  '请提前十分钟到岗',
  '需要健康证',
];
const SETTLEMENT_BY_TAG: Record<string, Settlement> = { 日结: 'daily', 当天结: 'daily', 周结: 'weekly' };

export interface GeneratorOptions {
  seed?: number;
  /** Publication times are spread over the 30 days before this instant (epoch ms). */
  now?: number;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function ulid(time: number, rand: () => number): string {
  let t = Math.floor(time);
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[t % 32]! + head;
    t = Math.floor(t / 32);
  }
  let tail = '';
  for (let i = 0; i < 16; i++) tail += CROCKFORD[Math.floor(rand() * 32)]!;
  return head + tail;
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function pickWeighted<T extends { weight: number }>(items: readonly T[], rand: () => number): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let r = rand() * total;
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  return items[items.length - 1]!;
}

function pick<T>(items: readonly T[], rand: () => number): T {
  return items[Math.floor(rand() * items.length)]!;
}

function payOf(type: PayType, rand: () => number): { fen: number; phrase: string } {
  const yuan = (lo: number, hi: number, step: number): number =>
    lo + Math.floor((rand() * (hi - lo)) / step) * step;
  switch (type) {
    case 'hourly': {
      const y = yuan(18, 45, 1);
      return { fen: y * 100, phrase: rand() < 0.5 ? `时薪${y}元` : `${y}元/小时` };
    }
    case 'daily': {
      const y = yuan(120, 400, 10);
      return { fen: y * 100, phrase: rand() < 0.5 ? `${y}元/天` : `日薪${y}` };
    }
    case 'piece': {
      const y = yuan(1, 12, 1);
      return { fen: y * 100 + (rand() < 0.3 ? 50 : 0), phrase: `${y}元/单` };
    }
    case 'fixed': {
      const y = yuan(80, 600, 20);
      return { fen: y * 100, phrase: `${y}元/次` };
    }
  }
}

const DAY = 86_400_000;

/** Per-city business districts: fixed hotspots around the centre. */
function hotspots(city: City, seed: number): { lng: number; lat: number }[] {
  const r = prng(seed ^ (city.lng * 1000));
  return city.districts.map(() => ({
    lng: city.lng + gaussian(r) * 0.08,
    lat: city.lat + gaussian(r) * 0.07,
  }));
}

/** Generates `count` job posts (lazily). */
export function* generateJobs(count: number, options: GeneratorOptions = {}): Generator<SearchJobDoc> {
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.UTC(2026, 2, 1);
  const rand = prng(seed);
  const spots = new Map(CITIES.map((c) => [c.name, hotspots(c, seed)]));
  for (let i = 0; i < count; i++) {
    const city = pickWeighted(CITIES, rand);
    const spec = pickWeighted(CATEGORY_SPECS, rand);
    const districtIndex = Math.floor(rand() * city.districts.length);
    const district = city.districts[districtIndex]!;
    let lng: number;
    let lat: number;
    if (rand() < 0.7) {
      const h = spots.get(city.name)![districtIndex]!;
      lng = h.lng + gaussian(rand) * 0.03; // ≈3 km
      lat = h.lat + gaussian(rand) * 0.025;
    } else {
      lng = city.lng + gaussian(rand) * 0.12; // ≈12 km
      lat = city.lat + gaussian(rand) * 0.1;
    }
    const payType = pick(spec.pay, rand);
    const pay = payOf(payType, rand);
    const title = pick(spec.titles, rand)
      .replace('{d}', district)
      .replace('{b}', pick(BRANDS, rand))
      .replace('{p}', pay.phrase)
      .slice(0, 60);
    const tags: string[] = [];
    const tagCount = Math.floor(rand() * 4);
    for (let t = 0; t < tagCount; t++) {
      const tag = pick(TAGS, rand);
      if (!tags.includes(tag)) tags.push(tag);
    }
    // The settlement agrees with what the post says about it.
    const settlementTag = tags.find((t) => SETTLEMENT_BY_TAG[t]);
    const settlement: Settlement = title.includes('日结')
      ? 'daily'
      : settlementTag
        ? SETTLEMENT_BY_TAG[settlementTag]!
        : pick<Settlement>(['daily', 'weekly', 'on_completion'], rand);
    const sentences = [`${city.name.replace('市', '')}${district}${pick(spec.duties, rand)}`];
    const extra = 1 + Math.floor(rand() * 4);
    for (let s = 0; s < extra; s++)
      sentences.push(rand() < 0.5 ? pick(spec.duties, rand) : pick(GENERIC, rand));
    sentences.push(
      `薪资${pay.phrase}，${settlement === 'daily' ? '日结' : settlement === 'weekly' ? '周结' : '完工结'}`,
    );
    const publishedAt = now - Math.floor(rand() * 30 * DAY);
    const startsAt = now + Math.floor(rand() * 14 * DAY);
    yield {
      jobId: ulid(publishedAt, rand),
      version: 1 + Math.floor(rand() * 3),
      title,
      description: sentences.join('。') + '。',
      category: spec.code,
      tags,
      payType,
      payAmountFen: pay.fen,
      settlement,
      employerVerified: rand() < 0.6,
      city: city.name,
      location: { lng: Math.round(lng * 1e6) / 1e6, lat: Math.round(lat * 1e6) / 1e6 },
      startsAt,
      endsAt: startsAt + (1 + Math.floor(rand() * 5)) * DAY,
      publishedAt,
    };
  }
}

/** Keywords workers type, for query benchmarks. */
export const QUERY_KEYWORDS = [
  '保洁',
  '服务员',
  '分拣',
  '日结',
  '家教',
  'kfc',
  '促销',
  '派单',
  '搬家',
  '保安',
  '骑手',
  '日结 保洁',
  '兼职 服务员',
  '仓库 夜班',
  '数据标注',
  '咖啡师',
  '开荒保洁',
  '包午餐',
  '装卸工',
  '日结 200',
];
