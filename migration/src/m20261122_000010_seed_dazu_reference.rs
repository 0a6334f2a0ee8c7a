//! The shipped default reference data: 大足's "246" industry clusters, its parks and its 24
//! task forces (专班). It is data, editable through the API; other districts replace it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (cluster, category)
pub const CLUSTERS: [(&str, &str); 12] = [
    ("新能源汽摩及零部件", "主导产业"),
    ("再生资源及新材料", "主导产业"),
    ("现代五金", "特色产业"),
    ("光电元器件", "特色产业"),
    ("智能电梯及特种设备", "特色产业"),
    ("食品及农产品加工", "特色产业"),
    ("无人机及通用航空", "新兴产业"),
    ("机器人及传感器", "新兴产业"),
    ("现代中药", "新兴产业"),
    ("生物医药", "新兴产业"),
    ("新能源及新型储能", "新兴产业"),
    ("数字产业", "新兴产业"),
];

pub const PARKS: [&str; 4] = ["大足高新区", "双桥经开区", "邮亭新材料产业园", "龙水五金产业园"];

/// (task force, cluster)
pub const TEAMS: [(&str, &str); 24] = [
    ("新能源汽车零部件专班", "新能源汽摩及零部件"),
    ("摩托车专班", "新能源汽摩及零部件"),
    ("再生资源专班", "再生资源及新材料"),
    ("新材料专班", "再生资源及新材料"),
    ("五金刀具专班", "现代五金"),
    ("五金制品专班", "现代五金"),
    ("光电显示专班", "光电元器件"),
    ("电子元器件专班", "光电元器件"),
    ("智能电梯专班", "智能电梯及特种设备"),
    ("特种设备专班", "智能电梯及特种设备"),
    ("食品加工专班", "食品及农产品加工"),
    ("农产品加工专班", "食品及农产品加工"),
    ("无人机专班", "无人机及通用航空"),
    ("通用航空专班", "无人机及通用航空"),
    ("机器人专班", "机器人及传感器"),
    ("传感器专班", "机器人及传感器"),
    ("中药材精深加工专班", "现代中药"),
    ("中医药健康专班", "现代中药"),
    ("生物医药专班", "生物医药"),
    ("医疗器械专班", "生物医药"),
    ("新型储能专班", "新能源及新型储能"),
    ("氢能专班", "新能源及新型储能"),
    ("数字经济专班", "数字产业"),
    ("软件信息专班", "数字产业"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The names are constants of this file without quotes, so literal SQL is safe here and
        // lets the team rows look their cluster up in the same statement on both databases.
        let db = manager.get_connection();
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for (name, category) in CLUSTERS {
            db.execute_unprepared(&format!(
                "INSERT INTO clusters (name, category, archived, created_at, updated_at) VALUES ('{name}', '{category}', false, '{now}', '{now}')"
            ))
            .await?;
        }
        for name in PARKS {
            db.execute_unprepared(&format!(
                "INSERT INTO parks (name, archived, created_at, updated_at) VALUES ('{name}', false, '{now}', '{now}')"
            ))
            .await?;
        }
        for (name, cluster) in TEAMS {
            db.execute_unprepared(&format!(
                "INSERT INTO teams (name, cluster_id, archived, created_at, updated_at) \
                 SELECT '{name}', id, false, '{now}', '{now}' FROM clusters WHERE name = '{cluster}'"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let quoted = |names: Vec<&str>| names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
        db.execute_unprepared(&format!(
            "DELETE FROM teams WHERE name IN ({})",
            quoted(TEAMS.iter().map(|t| t.0).collect())
        ))
        .await?;
        db.execute_unprepared(&format!("DELETE FROM parks WHERE name IN ({})", quoted(PARKS.to_vec())))
            .await?;
        db.execute_unprepared(&format!(
            "DELETE FROM clusters WHERE name IN ({})",
            quoted(CLUSTERS.iter().map(|c| c.0).collect())
        ))
        .await?;
        Ok(())
    }
}
